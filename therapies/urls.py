from django.urls import path

from therapies import views

app_name = "therapies"
urlpatterns = [
    path("", views.home, name="home"),
    path("therapies/", views.therapy_list, name="therapy-list"),
    path("therapies/<slug:slug>/", views.therapy_detail, name="therapy-detail"),
    path("conditions/<slug:slug>/", views.condition_detail, name="condition-detail"),
]
