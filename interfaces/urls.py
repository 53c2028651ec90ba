from django.urls import path

from . import views

app_name = "interfaces"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("studies/", views.study_list, name="study-list"),
    path("studies/charts/", views.study_charts, name="study-charts"),
    path("studies/<int:pk>/", views.study_detail, name="study-detail"),
    path("studies/<int:pk>/report/", views.report_problem, name="study-report"),
    path("compare/", views.compare, name="compare"),
    path("matrix/", views.study_matrix, name="matrix"),
    path("electrolytes/", views.electrolyte_list, name="electrolyte-list"),
    path("electrolytes/<slug:slug>/", views.electrolyte_detail, name="electrolyte-detail"),
    path("interlayers/", views.interlayer_list, name="interlayer-list"),
    path("interlayers/<slug:slug>/", views.interlayer_detail, name="interlayer-detail"),
    path("data/", views.data_releases, name="data"),
    path("data/<str:version>/<path:name>", views.release_file, name="release-file"),
    path("about/", views.about, name="about"),
]
