"""An account's capabilities, revision 3: what the docs state of them, broken one at a time.

Revision 3 gives every account a ``capabilities`` object: its ``supported_content_kinds``
(an array of unique strings), its ``caption_limit`` (a positive integer, where present)
and its ``settings_schema`` (a JSON Schema, where present). Each fault here runs at
revision 3 (``revision``): the reference API serves revision-3 bodies and the suite judges
by revision 3. Revision 2 passes the same bodies, ``capabilities`` being an undocumented
field there. What the docs leave open is benign: members they do not name (notes), the
optional members left out, a settings schema of another dialect.
"""

from __future__ import annotations

from typing import Any

from genviral_contract.refapi.faults.fault import Edit, Fault, Transform, drop, on_first_account, put

REVISION = 3


def on_capabilities(edit: Edit) -> Transform:
    """Edit the first account's capabilities."""

    def edit_account(account: dict[str, Any]) -> None:
        if isinstance(account.get("capabilities"), dict):
            edit(account["capabilities"])

    return on_first_account(edit_account)


def _undocumented_members(capabilities: dict[str, Any]) -> None:
    # The names a secondary source uses; the official pages name no such member.
    capabilities["media_limits"] = {"max_images": 10, "max_video_seconds": 600}
    capabilities["unsupported_reasons"] = {"text_only": "the provider requires media"}


def _only_content_kinds(capabilities: dict[str, Any]) -> None:
    for name in [name for name in capabilities if name != "supported_content_kinds"]:
        del capabilities[name]


DRAFT_07 = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "type": "array",
    "items": [{"type": "string"}, {"type": "integer"}],
    "definitions": {"privacy": {"enum": ["public", "private"]}},
}


FAULTS: tuple[Fault, ...] = (
    Fault(
        "capabilities-missing",
        "an account has no capabilities",
        "breaks",
        ("ACC-CAPABILITIES-OBJECT",),
        transform=on_first_account(drop("capabilities")),
        revision=REVISION,
    ),
    Fault(
        "capabilities-array",
        "an account's capabilities is an array of content kinds",
        "breaks",
        ("ACC-CAPABILITIES-OBJECT",),
        transform=on_first_account(put("capabilities", lambda: ["text_only"])),
        revision=REVISION,
    ),
    Fault(
        "content-kinds-repeated",
        'supported_content_kinds lists "text_only" twice',
        "breaks",
        ("ACC-CAPABILITIES-CONTENT-KINDS",),
        transform=on_capabilities(put("supported_content_kinds", lambda: ["text_only", "video", "text_only"])),
        revision=REVISION,
    ),
    Fault(
        "content-kinds-missing",
        "capabilities has no supported_content_kinds",
        "breaks",
        ("ACC-CAPABILITIES-CONTENT-KINDS",),
        transform=on_capabilities(drop("supported_content_kinds")),
        revision=REVISION,
    ),
    Fault(
        "content-kinds-string",
        'supported_content_kinds is the string "text_only,video"',
        "breaks",
        ("ACC-CAPABILITIES-CONTENT-KINDS",),
        transform=on_capabilities(put("supported_content_kinds", "text_only,video")),
        revision=REVISION,
    ),
    Fault(
        "caption-limit-zero",
        "caption_limit is 0",
        "breaks",
        ("ACC-CAPABILITIES-CAPTION-LIMIT",),
        transform=on_capabilities(put("caption_limit", 0)),
        revision=REVISION,
    ),
    Fault(
        "caption-limit-fraction",
        "caption_limit is 1.5",
        "breaks",
        ("ACC-CAPABILITIES-CAPTION-LIMIT",),
        transform=on_capabilities(put("caption_limit", 1.5)),
        revision=REVISION,
    ),
    Fault(
        "settings-schema-invalid",
        'settings_schema says "type": "objekt", which no JSON Schema type is',
        "breaks",
        ("ACC-CAPABILITIES-SETTINGS-SCHEMA",),
        transform=on_capabilities(put("settings_schema", lambda: {"type": "objekt", "properties": {}})),
        revision=REVISION,
    ),
    Fault(
        "settings-schema-properties-list",
        "settings_schema's properties is a list of field names",
        "breaks",
        ("ACC-CAPABILITIES-SETTINGS-SCHEMA",),
        transform=on_capabilities(put("settings_schema", lambda: {"type": "object", "properties": ["privacy"]})),
        revision=REVISION,
    ),
    Fault(
        "platform-bluesky",
        "an account's platform is \"bluesky\" (revision 3's Create Post names Bluesky)",
        "breaks",
        ("ACC-PLATFORM-ENUM",),
        transform=on_first_account(put("platform", "bluesky")),
        revision=REVISION,
    ),
    Fault(
        "capabilities-undocumented-members",
        "capabilities also holds media_limits and unsupported_reasons, which the docs do not name",
        "benign",
        transform=on_capabilities(_undocumented_members),
        revision=REVISION,
    ),
    Fault(
        "capabilities-content-kinds-only",
        "capabilities holds supported_content_kinds alone (caption_limit and settings_schema are optional)",
        "benign",
        transform=on_capabilities(_only_content_kinds),
        revision=REVISION,
    ),
    Fault(
        "settings-schema-draft-07",
        "settings_schema is a draft-07 schema (tuple items, definitions) that says so in $schema",
        "benign",
        transform=on_capabilities(put("settings_schema", lambda: dict(DRAFT_07))),
        revision=REVISION,
    ),
)
