"""Build the POST data an admin change form would send, from the page as rendered (forms and inlines)."""
from __future__ import annotations

from django import forms


def admin_post_data(response) -> dict:
    """Every field of the change form and its inline formsets, with the values the page shows."""
    all_forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        all_forms.append(inline.formset.management_form)
        all_forms.extend(inline.formset.forms)
    data = {}
    for form in all_forms:
        for bound in form:
            value = bound.value()
            if isinstance(bound.field.widget, forms.CheckboxInput):
                if value:
                    data[bound.html_name] = "on"
                continue
            if value is None:
                continue
            value = bound.field.prepare_value(value)
            data[bound.html_name] = [str(v) for v in value] if isinstance(value, (list, tuple)) else str(value)
    return data
