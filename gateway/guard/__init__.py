"""The content guard: refuses outbound text that asks for confidential data or leaks it.

Public API::

    from gateway.guard import Finding, check_template, check_text, check_email, is_refused, TEMPLATE_KINDS
"""

from .findings import RULES, Finding, is_refused
from .pipeline import TEMPLATE_KINDS, check_email, check_template, check_text, placeholders

__all__ = ["RULES", "TEMPLATE_KINDS", "Finding", "check_email", "check_template", "check_text",
           "is_refused", "placeholders"]
