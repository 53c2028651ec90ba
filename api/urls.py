from django.urls import path
from drf_spectacular.views import SpectacularJSONAPIView
from rest_framework.routers import SimpleRouter

from . import views

app_name = "api"

router = SimpleRouter()
router.register("studies", views.StudyViewSet, basename="study")
router.register("measurements", views.MeasurementViewSet, basename="measurement")
router.register("references", views.ReferenceViewSet, basename="reference")
router.register("electrolytes", views.ElectrolyteViewSet, basename="electrolyte")
router.register("interlayers", views.InterlayerViewSet, basename="interlayer")
router.register("families", views.FamilyViewSet, basename="family")

urlpatterns = [
    path("", views.docs, name="docs"),
    path("openapi.json", SpectacularJSONAPIView.as_view(), name="openapi"),
    *router.urls,
]
