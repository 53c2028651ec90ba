from django.apps import AppConfig, apps
from django.db.models.signals import m2m_changed, post_delete, post_save


class InterfacesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "interfaces"

    def ready(self):
        from .caching import data_changed

        # Any write to the atlas's own records makes the cached counts out of date.
        for label in ("interfaces", "references"):
            for model in apps.get_app_config(label).get_models():
                if model.__name__.startswith("Historical") or model.__name__ in {"Report", "CuratedRecord"}:
                    continue
                post_save.connect(data_changed, sender=model, dispatch_uid=f"atlas-cache-{model.__name__}")
                post_delete.connect(
                    data_changed, sender=model, dispatch_uid=f"atlas-cache-del-{model.__name__}"
                )
        m2m_changed.connect(data_changed, dispatch_uid="atlas-cache-m2m")
