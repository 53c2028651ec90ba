"""The BibTeX import form: pasted text, uploaded files or a DOI."""

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat

from .crossref import CrossrefError, fetch_bibtex


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files at once: a reference manager's export and the @string file beside it."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item] or None
        return [single(data, initial)] if data else None


class BibtexImportForm(forms.Form):
    """BibTeX pasted or uploaded; `text` in cleaned_data is what gets parsed."""

    bibtex_text = forms.CharField(
        label="Paste BibTeX",
        required=False,
        strip=False,
        widget=forms.Textarea(
            attrs={"rows": 14, "cols": 100, "spellcheck": "false", "class": "vLargeTextField"}
        ),
        help_text="Exports from Zotero, JabRef, Google Scholar or a publisher's site, as they are.",
    )
    bibtex_file = MultipleFileField(
        label="and/or upload .bib files",
        required=False,
    )
    doi = forms.CharField(
        label="or fill from a DOI",
        required=False,
        max_length=300,
        widget=forms.TextInput(attrs={"size": 40, "placeholder": "10.1038/nmat4821", "spellcheck": "false"}),
        help_text="The paper's metadata is fetched from Crossref and previewed like pasted BibTeX.",
    )
    confirm = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit = filesizeformat(settings.BIBTEX_UPLOAD_MAX_BYTES)
        total = filesizeformat(settings.BIBTEX_UPLOAD_TOTAL_MAX_BYTES)
        self.fields["bibtex_file"].help_text = (
            f"UTF-8 text, at most {limit} each and {total} in all. Several files (and pasted text) are "
            "read as one, so @string definitions in a file of their own resolve."
        )

    def clean_bibtex_text(self) -> str:
        text = self.cleaned_data["bibtex_text"]
        # The preview's confirm posts back the whole previewed text, every file of it: that is
        # bounded by the total, pasted text by the limit of one part.
        confirming = self.data.get("confirm") == "yes" and self.data.get("choose") == "1"
        limit = settings.BIBTEX_UPLOAD_TOTAL_MAX_BYTES if confirming else settings.BIBTEX_UPLOAD_MAX_BYTES
        if len(text.encode("utf-8")) > limit:
            raise forms.ValidationError(
                "The text is larger than %(limit)s; split it into smaller parts.",
                params={"limit": filesizeformat(limit)},
            )
        return text

    def _check_total(self, uploads) -> None:
        """All the files and the pasted text together are at most BIBTEX_UPLOAD_TOTAL_MAX_BYTES."""
        size = sum(upload.size for upload in uploads or [] if upload)
        size += len(self.data.get("bibtex_text", "").encode("utf-8"))
        if size > settings.BIBTEX_UPLOAD_TOTAL_MAX_BYTES:
            raise forms.ValidationError(
                "The files and text come to %(size)s; one import takes at most %(limit)s in all. "
                "Import them in parts.",
                params={
                    "size": filesizeformat(size),
                    "limit": filesizeformat(settings.BIBTEX_UPLOAD_TOTAL_MAX_BYTES),
                },
            )

    def clean_bibtex_file(self) -> list[tuple[str, str]] | None:
        uploads = self.cleaned_data["bibtex_file"]
        self._check_total(uploads)  # before any file is read
        return [(upload.name, self._read(upload)) for upload in uploads] if uploads else None

    @staticmethod
    def _read(upload) -> str:
        if upload.size > settings.BIBTEX_UPLOAD_MAX_BYTES:
            raise forms.ValidationError(
                "%(name)s is %(size)s; the limit is %(limit)s. Split it into smaller files.",
                params={
                    "name": upload.name,
                    "size": filesizeformat(upload.size),
                    "limit": filesizeformat(settings.BIBTEX_UPLOAD_MAX_BYTES),
                },
            )
        raw = upload.read()
        try:
            # utf-8-sig: Windows editors put a byte-order mark in front.
            return raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise forms.ValidationError(
                "%(name)s is not UTF-8 text (byte 0x%(byte)02x at position %(position)d). Save it as "
                "UTF-8 (JabRef: Library properties → Encoding; most editors: Save as… → UTF-8) and "
                "upload it again.",
                params={"name": upload.name, "byte": raw[exc.start], "position": exc.start},
            ) from exc

    def clean(self):
        cleaned = super().clean()
        text, uploaded = cleaned.get("bibtex_text", ""), cleaned.get("bibtex_file")
        doi = (cleaned.get("doi") or "").strip()
        if self.errors:
            return cleaned
        given = [bool(text.strip()) or uploaded is not None, bool(doi)]
        if all(given):
            raise forms.ValidationError("Paste or upload BibTeX, or give a DOI: not both.")
        if not any(given):
            raise forms.ValidationError("Paste BibTeX, choose a .bib file or give a DOI.")
        if doi:
            try:
                cleaned["text"] = fetch_bibtex(doi)
            except CrossrefError as exc:
                self.add_error("doi", str(exc))
            return cleaned
        parts = [(name, content) for name, content in uploaded or []]
        if text.strip():
            parts.append(("pasted text", text))
        if len(parts) == 1:
            cleaned["text"] = parts[0][1]
        else:  # one text, each part headed by a comment naming it (BibTeX ignores it)
            cleaned["text"] = "\n".join(
                f"% {' '.join(name.split())}\n{content.rstrip()}\n" for name, content in parts
            )
        return cleaned

    @property
    def confirmed(self) -> bool:
        return self.is_valid() and self.cleaned_data.get("confirm") == "yes"
