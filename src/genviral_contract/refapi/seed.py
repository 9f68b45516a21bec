"""The reference API's fixed world: users, workspaces, accounts, and one key per behaviour.

Ids are uuid5 of fixed names, so a failing test shows the same ids on every run and
cassettes recorded against the reference API stay comparable. Keys are the opposite:
random per server instance, so no usable key is ever written down.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from typing import Literal

Scope = Literal["workspace", "personal"]
# What stands between a valid key and its data; None means nothing does.
Plan = Literal["unsubscribed", "scheduler", "failing"]

_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://genviral-contract.invalid/refapi")


def seeded_id(name: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, name))


OWNER = seeded_id("user/owner")
LAPSED_OWNER = seeded_id("user/lapsed")
SCHEDULER_OWNER = seeded_id("user/scheduler")
OTHER_OWNER = seeded_id("user/other-tenant")

MAIN = seeded_id("workspace/main")
SANDBOX = seeded_id("workspace/sandbox")  # the owner's second workspace: inactive accounts only
LAPSED = seeded_id("workspace/lapsed")
SCHEDULER = seeded_id("workspace/scheduler")
BROKEN = seeded_id("workspace/broken")
OTHER = seeded_id("workspace/other-tenant")  # nobody's key reaches it; faults borrow its id


@dataclass(frozen=True)
class Account:
    id: str
    platform: str
    type: str
    username: str
    display_name: str
    status: str
    workspace_id: str | None
    user_id: str

    def public(self, revision: int = 2) -> dict[str, object]:
        """The account as GET /accounts shows it in ``revision`` (the owning user stays internal)."""
        shown: dict[str, object] = {
            "id": self.id,
            "platform": self.platform,
            "type": self.type,
            "username": self.username,
            "display_name": self.display_name,
            "status": self.status,
            "workspace_id": self.workspace_id,
        }
        if revision >= 3:
            shown["capabilities"] = capabilities(self)
        return shown


# Revision 3's capabilities, by platform: what each can post, and its caption limit. The docs
# name one content kind (text_only) and no other; these strings are the reference API's own.
_KINDS = {
    "tiktok": ["video", "slideshow"],
    "instagram": ["image", "video", "carousel"],
    "youtube": ["video"],
    "pinterest": ["image"],
    "linkedin": ["text_only", "image", "video"],
    "facebook": ["text_only", "image", "video"],
}
_CAPTION_LIMITS = {"tiktok": 2200, "instagram": 2200, "youtube": 5000, "pinterest": 500, "linkedin": 3000}
# Create Post (revision 3): hosted accounts allow at most 500 caption characters.
HOSTED_CAPTION_LIMIT = 500


def capabilities(account: Account) -> dict[str, object]:
    """An account's revision-3 ``capabilities``: the three documented members, no other."""
    limit = HOSTED_CAPTION_LIMIT if account.type == "hosted" else _CAPTION_LIMITS.get(account.platform, 63206)
    return {
        "supported_content_kinds": list(_KINDS[account.platform]),
        "caption_limit": limit,
        "settings_schema": {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": f"{account.platform} settings",
            "type": "object",
            "properties": {
                "privacy": {"enum": ["public", "private"], "default": "public"},
                "notify_followers": {"type": "boolean"},
            },
            "additionalProperties": False,
        },
    }


def _acc(
    where: str | None, user: str, platform: str, kind: str, username: str, display_name: str, status: str = "active"
) -> Account:
    home = "personal" if where is None else where
    return Account(seeded_id(f"account/{home}/{username}"), platform, kind, username, display_name, status, where, user)


ACCOUNTS: tuple[Account, ...] = (
    # The main workspace: all six platforms, both types, names beyond ASCII.
    _acc(MAIN, OWNER, "instagram", "byo", "brandhq", "Brand HQ"),
    _acc(MAIN, OWNER, "tiktok", "hosted", "ugc_trends_42", "Hosted Trends 42"),
    _acc(MAIN, OWNER, "youtube", "byo", "brandhq_tv", "Brand HQ — Vidéos"),
    _acc(MAIN, OWNER, "pinterest", "byo", "brandhq.pins", "Brand HQ Pins 📌"),
    _acc(MAIN, OWNER, "linkedin", "byo", "brand-hq", "Brand HQ GmbH (Zürich)"),
    _acc(MAIN, OWNER, "facebook", "hosted", "creator_ana", "Ana Løvås"),
    _acc(MAIN, OWNER, "tiktok", "byo", "brandhq_jp", "ブランドHQ 日本"),
    _acc(MAIN, OWNER, "instagram", "hosted", "ugc_cairo", "مبدع القاهرة"),
    _acc(MAIN, OWNER, "facebook", "byo", "brandhq_old", "Brand HQ (old page)", "inactive"),
    _acc(MAIN, OWNER, "youtube", "hosted", "ugc_gone", "Gone Creator", "disconnected"),
    # The owner's personal accounts: same user, no workspace.
    _acc(None, OWNER, "tiktok", "byo", "jorg.makes", "Jörg Makes"),
    _acc(None, OWNER, "instagram", "byo", "jorg_daily", "Jörg 🌿 Daily"),
    _acc(None, OWNER, "linkedin", "hosted", "ugc_writer_7", "Писатель 7"),
    _acc(None, OWNER, "pinterest", "byo", "jorg_boards", "Jörg's boards", "inactive"),
    # The sandbox workspace has accounts, but none is active: the "empty" key sees [].
    _acc(SANDBOX, OWNER, "tiktok", "byo", "sandbox_test", "Sandbox", "inactive"),
    # Workspaces that sit behind a plan or a failure.
    _acc(LAPSED, LAPSED_OWNER, "youtube", "byo", "lapsed_channel", "Lapsed Channel"),
    _acc(LAPSED, LAPSED_OWNER, "tiktok", "hosted", "ugc_lapsed", "Lapsed Hosted"),
    _acc(SCHEDULER, SCHEDULER_OWNER, "facebook", "byo", "sched_page", "Scheduler Page"),
    _acc(SCHEDULER, SCHEDULER_OWNER, "pinterest", "byo", "sched_pins", "Scheduler Pins"),
    _acc(BROKEN, OWNER, "instagram", "byo", "broken_ig", "Broken IG"),
    # Another tenant, so that a leak has somewhere to come from.
    _acc(OTHER, OTHER_OWNER, "linkedin", "byo", "other_corp", "Other Corp"),
    _acc(OTHER, OTHER_OWNER, "tiktok", "hosted", "other_ugc", "Other UGC"),
)


@dataclass(frozen=True)
class KeySpec:
    name: str
    scope: Scope
    owner_user_id: str
    workspace_id: str | None
    plan: Plan | None = None


KEY_SPECS: tuple[KeySpec, ...] = (
    KeySpec("workspace", "workspace", OWNER, MAIN),
    KeySpec("personal", "personal", OWNER, None),
    KeySpec("empty", "workspace", OWNER, SANDBOX),
    KeySpec("unsubscribed", "workspace", LAPSED_OWNER, LAPSED, "unsubscribed"),
    KeySpec("scheduler", "workspace", SCHEDULER_OWNER, SCHEDULER, "scheduler"),
    KeySpec("failing", "workspace", OWNER, BROKEN, "failing"),
)


@dataclass(frozen=True)
class IssuedKey:
    spec: KeySpec
    public_id: str
    secret: str

    @property
    def token(self) -> str:
        return f"gva_live_{self.public_id}.{self.secret}"


def issue_keys() -> dict[str, IssuedKey]:
    """A fresh key for every spec. Hex only, so every key matches the documented shape."""
    return {spec.name: IssuedKey(spec, secrets.token_hex(6), secrets.token_hex(16)) for spec in KEY_SPECS}


def in_scope(spec: KeySpec, *, include_inactive: bool = False) -> list[Account]:
    """The accounts a key may see, in seed order."""
    if spec.scope == "workspace":
        found = [a for a in ACCOUNTS if a.workspace_id == spec.workspace_id]
    else:
        found = [a for a in ACCOUNTS if a.user_id == spec.owner_user_id and a.workspace_id is None]
    return found if include_inactive else [a for a in found if a.status == "active"]
