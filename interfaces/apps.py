from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save
from simple_history.signals import pre_create_historical_record


class InterfacesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "interfaces"
    verbose_name = "Studies, figures and materials"

    def ready(self):
        from atlas.caching import data_changed
        from atlas.lookups import register_functions

        # The database functions SQLite takes from Python, on every connection.
        connection_created.connect(register_functions, dispatch_uid="atlas-sqlite-functions")

        # Any write to the atlas's own records makes the cached counts out of date (the
        # receiver picks those records out; no model is looked up while apps load).
        post_save.connect(data_changed, dispatch_uid="atlas-cache-save")
        post_delete.connect(data_changed, dispatch_uid="atlas-cache-delete")
        m2m_changed.connect(data_changed, dispatch_uid="atlas-cache-m2m")
        # A history entry's reason holds 100 characters on every database: a longer one is
        # shortened rather than failing the save on PostgreSQL (SQLite would keep it whole).
        pre_create_historical_record.connect(_shorten_reason, dispatch_uid="atlas-history-reason")
        # SQLite's search index, made wherever a migration left it missing.
        post_migrate.connect(_ensure_search_index, sender=self, dispatch_uid="atlas-search-index")
        # The trigger that unchecks a figure changed after its second reading, over the
        # figure's columns as they stand after every migration.
        post_migrate.connect(_ensure_uncheck_trigger, sender=self, dispatch_uid="atlas-uncheck-trigger")


def _ensure_search_index(sender, using="default", **kwargs) -> None:
    from .search import ensure_index

    ensure_index(using)


def _ensure_uncheck_trigger(sender, using="default", **kwargs) -> None:
    from .second_reading import ensure_trigger

    ensure_trigger(using)


def _shorten_reason(sender, history_instance, **kwargs) -> None:
    reason = history_instance.history_change_reason
    if reason and len(reason) > 100:
        history_instance.history_change_reason = reason[:99] + "…"
