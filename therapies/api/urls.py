from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from therapies.api import views
from therapies.api.docs import api_docs

app_name = "api"
urlpatterns = [
    path("", api_docs, name="docs"),
    path("v1/approaches/", views.approach_list, name="approach-list"),
    path("v1/approaches/<slug:slug>/", views.approach_detail, name="approach-detail"),
    path("v1/conditions/", views.condition_list, name="condition-list"),
    path("v1/conditions/<slug:slug>/", views.condition_detail, name="condition-detail"),
    path("v1/evidence/", views.evidence_list, name="evidence-list"),
    path("v1/sources/", views.source_list, name="source-list"),
    path("v1/sources/<slug:key>/", views.source_detail, name="source-detail"),
    path("v1/formats/", views.format_list, name="format-list"),
    path("v1/changes/", views.change_list, name="change-list"),
    path("v1/schema/", SpectacularAPIView.as_view(), name="schema"),
]
