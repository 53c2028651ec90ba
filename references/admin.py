from django.contrib import admin

from .models import Author, Authorship, Reference


class AuthorshipInline(admin.TabularInline):
    model = Authorship
    extra = 0
    autocomplete_fields = ["author"]
    ordering = ["position"]


@admin.register(Reference)
class ReferenceAdmin(admin.ModelAdmin):
    list_display = ["citekey", "short_title", "first_author", "journal", "year", "doi"]
    list_filter = ["entry_type", "year", "journal"]
    search_fields = ["citekey", "title", "doi", "journal", "authors__family"]
    readonly_fields = ["created_at", "updated_at"]
    inlines = [AuthorshipInline]
    fieldsets = [
        (None, {"fields": ["citekey", "entry_type", "title"]}),
        ("Publication", {"fields": ["journal", "publisher", "year", "month", "volume", "number", "pages"]}),
        ("Links", {"fields": ["doi", "url"]}),
        ("Notes", {"fields": ["abstract", "curation_note", "created_at", "updated_at"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).with_authors().distinct()

    @admin.display(description="title")
    def short_title(self, obj):
        return obj.title if len(obj.title) <= 80 else obj.title[:77] + "…"

    @admin.display(description="first author")
    def first_author(self, obj):
        return obj.first_author_label


@admin.register(Author)
class AuthorAdmin(admin.ModelAdmin):
    list_display = ["family", "given"]
    search_fields = ["family", "given"]
