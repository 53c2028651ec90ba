from django.apps import AppConfig
from django.db.models.signals import m2m_changed, post_delete, post_save


class InterfacesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "interfaces"

    def ready(self):
        from atlas.caching import data_changed

        # Any write to the atlas's own records makes the cached counts out of date (the
        # receiver picks those records out; no model is looked up while apps load).
        post_save.connect(data_changed, dispatch_uid="atlas-cache-save")
        post_delete.connect(data_changed, dispatch_uid="atlas-cache-delete")
        m2m_changed.connect(data_changed, dispatch_uid="atlas-cache-m2m")
