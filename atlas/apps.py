from django.contrib.admin.apps import AdminConfig


class AtlasAdminConfig(AdminConfig):
    """Django's admin, as the atlas's curation site: its first page shows the day's work."""

    # A dotted name, read once the apps are loaded: atlas imports no app.
    default_site = "interfaces.workbench.AtlasAdminSite"
