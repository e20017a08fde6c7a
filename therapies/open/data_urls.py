from django.urls import path

from therapies.open import data

app_name = "data"
urlpatterns = [
    path("", data.data_index, name="index"),
    path("latest/", data.data_latest, name="latest"),
    path("latest/<str:name>", data.data_latest, name="latest-file"),
    path("<str:version>/", data.data_release, name="release"),
    path("<str:version>/<str:name>", data.data_file, name="file"),
]
