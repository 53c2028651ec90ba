from django.urls import path

from . import views

app_name = "references"

urlpatterns = [
    path("references/", views.reference_list, name="list"),
    path("references/<slug:citekey>.bib", views.reference_bib, name="bib"),
    path("references/<slug:citekey>/", views.reference_detail, name="detail"),
]
