from typing import Any

from sejahtera.accounts import access, notifications
from sejahtera.web.http import AuthenticatedRequest


def navigation(request: AuthenticatedRequest) -> dict[str, Any]:
    """Which main sections the user's role opens (the pages check again on their own)."""
    user = request.user
    if not user.is_authenticated:
        return {}
    return {
        "unread_notifications": notifications.unread_count(user),
        "perms_nav": {
            "dashboard": access.has_role(user, access.DASHBOARD_READERS),
            "registry": access.has_role(user, access.REGISTRY_READERS),
            "register": access.has_role(user, access.REGISTRY_EDITORS),
            "duplicates": access.has_role(user, access.DUPLICATE_REVIEWERS),
            "imports": access.has_role(user, access.REGISTRY_IMPORTERS),
            "targeting": access.has_role(user, access.TARGETING_READERS),
            "decrees": access.has_role(user, access.DELIVERY_READERS),
            "cases": access.has_role(user, access.CASE_READERS),
            "team": access.has_role(user, access.GRADUATION_APPROVERS),
            "referrals": access.has_role(user, access.REFERRAL_PARTNERS),
            "audit": access.has_role(user, access.AUDIT_READERS),
            "proposals": access.has_role(user, access.PROPOSAL_READERS),
            "objections": access.has_role(user, access.OBJECTION_READERS),
            "corrections": access.has_role(user, access.CORRECTION_READERS),
            "decision_reviews": access.has_role(user, access.DECISION_REVIEW_READERS),
            "complaints": access.has_role(user, access.COMPLAINT_READERS | access.COMPLAINT_TAKERS),
        },
    }
