"""The Teams app package: `python -m bot teams package` → a zip an admin uploads as it is.

The zip holds, at its root, `manifest.json` (teams/manifest.template.json filled in and checked
against the official Teams manifest schema shipped in teams/schema/, so no network is needed) and
the two icons Teams requires: `color.png` (192 × 192, full colour) and `outline.png` (32 × 32,
white on transparent). The icons are drawn here, or taken from files given on the command line.
"""
from __future__ import annotations

import io
import json
import re
import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from bot import messages, settings
from bot.errors import SettingsError

TEAMS_DIR = settings.PROJECT_DIR / "teams"
TEMPLATE = TEAMS_DIR / "manifest.template.json"
#: MicrosoftTeams.schema.json of manifest version 1.16 (from Microsoft's @microsoft/app-manifest 1.1.2, MIT)
SCHEMA = TEAMS_DIR / "schema" / "MicrosoftTeams.schema.json"
COLOR_SIZE, OUTLINE_SIZE = 192, 32
DEFAULT_ACCENT = "#1A6E3C"
DEFAULT_VERSION = "1.0.0"
DEFAULT_DEVELOPER = "Draaiboek-assistent"
#: the placeholders of the template, filled from PackageOptions
_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")
_GUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
_VERSION = re.compile(r"\d{1,5}\.\d{1,5}\.\d{1,5}")
_COLOR = re.compile(r"#[0-9a-fA-F]{6}")
_DATE = (1980, 1, 1, 0, 0, 0)  # fixed zip timestamps: the same input gives the same package


@dataclass
class PackageOptions:
    app_id: str
    bot_endpoint: str
    version: str = DEFAULT_VERSION
    developer_name: str = DEFAULT_DEVELOPER
    website_url: str | None = None  # default: the endpoint's origin
    privacy_url: str | None = None  # default: the website
    terms_url: str | None = None  # default: the website
    accent_color: str = DEFAULT_ACCENT
    color_icon: Path | None = None
    outline_icon: Path | None = None


def _https(value: str | None, name: str) -> str:
    parts = urlsplit(value or "")
    if parts.scheme != "https" or not parts.hostname:
        raise SettingsError("S051", messages.M100_BAD_URL.format(name=name, value=value or ""))
    return value  # type: ignore[return-value]


def check_options(options: PackageOptions) -> dict[str, str]:
    """The template's values, or a Dutch SettingsError naming the bad option."""
    app_id = options.app_id.strip()
    if not _GUID.fullmatch(app_id):
        raise SettingsError("S048", messages.M098_BAD_APP_ID.format(value=options.app_id))
    endpoint = urlsplit(options.bot_endpoint.strip())
    if endpoint.scheme != "https" or not endpoint.hostname:
        raise SettingsError("S049", messages.M099_BAD_ENDPOINT.format(value=options.bot_endpoint))
    if not _VERSION.fullmatch(options.version):
        raise SettingsError("S050", messages.M101_BAD_VERSION.format(value=options.version))
    if not _COLOR.fullmatch(options.accent_color):
        raise SettingsError("S052", messages.M102_BAD_COLOR.format(value=options.accent_color))
    website = _https(options.website_url or f"https://{endpoint.netloc}/", "Het websiteadres (--website-url)")
    return {
        "APP_ID": app_id.lower(),
        "APP_VERSION": options.version,
        "DEVELOPER_NAME": options.developer_name.strip()[:32],
        "WEBSITE_URL": website,
        "PRIVACY_URL": _https(options.privacy_url or website, "Het privacyadres (--privacy-url)"),
        "TERMS_URL": _https(options.terms_url or website, "Het adres van de gebruiksvoorwaarden (--terms-url)"),
        "ACCENT_COLOR": options.accent_color.upper(),
        "BOT_HOST": endpoint.hostname or "",
    }


def fill_manifest(values: dict[str, str], template: Path = TEMPLATE) -> dict:
    """The template with every placeholder replaced (values are JSON-escaped)."""
    text = template.read_text(encoding="utf-8")
    missing = sorted(set(_PLACEHOLDER.findall(text)) - set(values))
    if missing:
        raise SettingsError("S053", f"teams/manifest.template.json: geen waarde voor {', '.join(missing)}")
    return json.loads(_PLACEHOLDER.sub(lambda m: json.dumps(values[m.group(1)])[1:-1], text))


def manifest_problems(manifest: dict, schema_path: Path = SCHEMA) -> list[str]:
    """What the manifest breaks of the official schema (empty: valid), as `path: message` lines."""
    import jsonschema

    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    # the schema says draft-04 but uses `const` (draft-06) for manifestVersion: check that keyword too
    validator_class = jsonschema.validators.extend(
        jsonschema.Draft4Validator, {"const": jsonschema.Draft6Validator.VALIDATORS["const"]}
    )
    validator = validator_class(schema, format_checker=jsonschema.FormatChecker())
    return [
        f"{'/'.join(map(str, error.absolute_path)) or '(manifest)'}: {error.message}"
        for error in sorted(validator.iter_errors(manifest), key=lambda e: list(map(str, e.absolute_path)))
    ]


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) from a PNG's header; (0, 0) for anything that is no PNG."""
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        return 0, 0
    return struct.unpack(">II", data[16:24])


def _png(image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def draw_icons(accent: str = DEFAULT_ACCENT) -> tuple[bytes, bytes]:
    """(color.png, outline.png): a page of a draaiboek with a speech balloon's tail.

    The colour icon: a white page with lines on the accent colour; the outline icon: the same page
    drawn in white lines on a transparent background, as Teams requires.
    """
    from PIL import Image, ImageDraw

    def page(draw, size: int, fill, outline, width: int) -> None:
        s = size / 32
        box = (7 * s, 4 * s, 25 * s, 24 * s)
        draw.rounded_rectangle(box, radius=2.5 * s, fill=fill, outline=outline, width=width)
        draw.polygon([(10 * s, 23 * s), (10 * s, 29 * s), (16 * s, 23.5 * s)], fill=outline if fill is None else fill)
        for y in (9, 13, 17):
            draw.line([(11 * s, y * s), ((21 if y != 17 else 17) * s, y * s)], fill=outline if fill is None else accent, width=width)

    color = Image.new("RGB", (COLOR_SIZE, COLOR_SIZE), accent)
    page(ImageDraw.Draw(color), COLOR_SIZE, "white", "white", 8)
    outline = Image.new("RGBA", (OUTLINE_SIZE, OUTLINE_SIZE), (255, 255, 255, 0))
    page(ImageDraw.Draw(outline), OUTLINE_SIZE, None, (255, 255, 255, 255), 2)
    return _png(color), _png(outline)


def _icon(path: Path, size: int, outline: bool) -> bytes:
    data = path.read_bytes()
    extra = " (wit op een transparante achtergrond)" if outline else ""
    if png_size(data) != (size, size) or (outline and not outline_is_white(data)):
        raise SettingsError("S054", messages.M103_BAD_ICON.format(path=path, size=size, extra=extra))
    return data


def outline_is_white(data: bytes) -> bool:
    """Every pixel of the outline icon white or fully transparent (Teams shows it on its own colour)."""
    from PIL import Image

    image = Image.open(io.BytesIO(data)).convert("RGBA")
    return all(a == 0 or (r, g, b) == (255, 255, 255) for r, g, b, a in image.getdata())


def build_package(options: PackageOptions, out: Path) -> Path:
    """Write the app package to `out` (a zip with manifest.json, color.png and outline.png at its root)."""
    values = check_options(options)
    manifest = fill_manifest(values)
    # the bot's own host: Teams opens links to it (answers, pages of the same server) inside Teams
    manifest["validDomains"] = [values["BOT_HOST"]]
    problems = manifest_problems(manifest)
    if problems:
        raise SettingsError("S055", messages.M104_MANIFEST_INVALID.format(version=manifest.get("manifestVersion"), problems="; ".join(problems)))
    color, outline = draw_icons(values["ACCENT_COLOR"])
    if options.color_icon:
        color = _icon(options.color_icon, COLOR_SIZE, outline=False)
    if options.outline_icon:
        outline = _icon(options.outline_icon, OUTLINE_SIZE, outline=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    files = {
        "manifest.json": json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8"),
        manifest["icons"]["color"]: color,
        manifest["icons"]["outline"]: outline,
    }
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, date_time=_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return out
