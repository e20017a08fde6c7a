from django.urls import path

from therapies import shortlist_views, views
from therapies.open import views as open_views

app_name = "therapies"
urlpatterns = [
    path("", views.home, name="home"),
    path("therapies/", views.therapy_list, name="therapy-list"),
    path("therapies/<slug:slug>/", views.therapy_detail, name="therapy-detail"),
    path("conditions/", views.condition_list, name="condition-list"),
    path("conditions/<slug:slug>/", views.condition_detail, name="condition-detail"),
    path("compare/", shortlist_views.compare, name="compare"),
    path("summary/", shortlist_views.summary_page, name="summary"),
    path("search/", views.search, name="search"),
    path("search/suggest/", views.search_suggest, name="search-suggest"),
    path("evidence/", views.evidence_matrix, name="evidence-matrix"),
    path("about/", views.about, name="about"),
    path("glossary/", views.glossary, name="glossary"),
    path("help/", views.help_now, name="help"),
    path("sources/", open_views.source_list, name="source-list"),
    path("sources/<slug:key>/", open_views.source_detail, name="source-detail"),
    path("cite/<slug:kind>/<slug:slug>.<slug:style>", open_views.cite, name="cite"),
    path("therapies/<slug:slug>/report/", views.reader_report, {"kind": "therapy"}, name="therapy-report"),
    path("conditions/<slug:slug>/report/", views.reader_report, {"kind": "condition"}, name="condition-report"),
]
