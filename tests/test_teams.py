"""The Microsoft Teams channel: token validation, bot tokens, cards, and the real servers behind it.

The Bot Framework side (key publication, token endpoints, Bot Connector) is played by the local
stand-in in tests/teams_standin.py. The first part tests the authentication module and the
rendering without Rasa; `TestTeamsServers` starts the real Rasa and action servers once.
"""
from __future__ import annotations

import copy
import io
import json
import re
import shutil
import sqlite3
import subprocess
import time
import zipfile
from pathlib import Path
from types import SimpleNamespace

import jwt
import pytest
import yaml

from bot.channels.botframework_auth import (
    ClientCredentials,
    ManagedIdentity,
    SigningKeys,
    TokenUnavailable,
    Unauthorized,
    check_activity,
    service_url_allowed,
    token_url_for_tenant,
    validate_token,
)
from bot.channels.teams import (
    ADAPTIVE_CARD,
    MAX_ACTIONS,
    MAX_BUTTON_TITLE,
    TeamsSettings,
    adaptive_card,
    button_title,
    card_after_click,
    clicked_choice,
    message_text,
    reply_content,
    sender_id,
    welcome_content,
)
from bot import settings as project_settings
from bot.errors import SettingsError
from bot import messages
from bot.messages import NO_ANSWER_MARKER, M018_FEEDBACK_THANKS, M072_NEW_CONVERSATION
from tests.conftest import environment, free_port
from tests.leaks import leaked
from tests.teams_standin import BotFrameworkStandIn, new_key

FEEDBACK_GOOD = '/feedback{"rating": "goed"}'
FEEDBACK_WRONG = '/feedback{"rating": "fout"}'
ANSWER = (
    "Registreer je als OCMW een BVS buiten TWE-OCMW, gebruik dan het financieringsnummer C03S350.\n"
    "- eerste punt\n- tweede punt\n\n"
    "Bron: Draaiboek Lokale Partnerschappen, versie 6 (oktober 2025), §3.4.1"
)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def standin():
    running = BotFrameworkStandIn().start()
    yield running
    running.stop()


def bearer(token: str) -> str:
    return f"Bearer {token}"


def validate(standin: BotFrameworkStandIn, keys: SigningKeys, token: str):
    return validate_token(bearer(token), keys=keys, app_id=standin.app_id)


# --- incoming tokens ---------------------------------------------------------------------------

def test_valid_token_gives_its_claims_and_endorsements(standin):
    keys = SigningKeys(standin.openid_metadata_url)
    verified = validate(standin, keys, standin.token())
    assert verified.claims["aud"] == standin.app_id
    assert verified.claims["serviceurl"] == standin.service_url
    assert "msteams" in verified.endorsements


def test_keys_are_fetched_on_first_use_and_then_cached(standin):
    before = standin.counts()
    keys = SigningKeys(standin.openid_metadata_url)
    assert standin.counts() == before, "creating the key cache fetches nothing"
    for _ in range(3):
        validate(standin, keys, standin.token())
    after = standin.counts()
    assert (after["openid"] - before["openid"], after["jwks"] - before["jwks"]) == (1, 1)
    assert keys.fetches == 1


def test_keys_are_fetched_again_after_their_ttl(standin):
    clock = FakeClock()
    keys = SigningKeys(standin.openid_metadata_url, ttl=3600, clock=clock)
    validate(standin, keys, standin.token())
    clock.now += 3599
    validate(standin, keys, standin.token())
    assert keys.fetches == 1
    clock.now += 2
    validate(standin, keys, standin.token())
    assert keys.fetches == 2


def test_rotated_key_is_accepted_after_one_refetch_and_forged_kids_are_throttled(standin):
    clock = FakeClock()
    keys = SigningKeys(standin.openid_metadata_url, refetch_interval=300, clock=clock)
    validate(standin, keys, standin.token())
    rotated = standin.publish_key()
    assert validate(standin, keys, standin.token(kid=rotated)).claims["aud"] == standin.app_id
    assert keys.fetches == 2
    for _ in range(5):
        with pytest.raises(Unauthorized, match="unknown signing key"):
            validate(standin, keys, standin.token(kid="forged-kid", key=new_key()))
    assert keys.fetches == 2, "an unknown kid right after a refetch fetches nothing more"
    clock.now += 301
    with pytest.raises(Unauthorized, match="unknown signing key"):
        validate(standin, keys, standin.token(kid="forged-kid", key=new_key()))
    assert keys.fetches == 3


def _invalid_tokens(standin: BotFrameworkStandIn) -> dict[str, str]:
    other_key = new_key()
    return {
        "expired": standin.token(expires_in=-3600, not_before=-7200),
        "not yet valid": standin.token(not_before=3600, expires_in=7200),
        "wrong audience": standin.token(aud="00000000-0000-0000-0000-000000000000"),
        "wrong issuer": standin.token(iss="https://sts.windows.net/evil/"),
        "unsigned": standin.unsigned_token(),
        "unknown kid": standin.token(kid="unknown-kid", key=other_key),
        "forged signature": standin.token(key=other_key),
        "HS256 with the public key": jwt.encode(
            {"iss": "https://api.botframework.com", "aud": standin.app_id, "exp": int(time.time()) + 600,
             "serviceurl": standin.service_url},
            "secret-key-for-hs256-that-is-long-enough", algorithm="HS256", headers={"kid": standin.kid},
        ),
        "no expiry": standin.token(exp=None),
        "garbage": "not.a.token",
    }


@pytest.mark.parametrize("case", [
    "expired", "not yet valid", "wrong audience", "wrong issuer", "unsigned", "unknown kid", "forged signature",
    "HS256 with the public key", "no expiry", "garbage",
])
def test_invalid_tokens_are_refused(standin, case):
    keys = SigningKeys(standin.openid_metadata_url)
    with pytest.raises(Unauthorized):
        validate(standin, keys, _invalid_tokens(standin)[case])


@pytest.mark.parametrize("header", [None, "", "Basic dXNlcjpwdw==", "Bearer", "Bearer a b"])
def test_missing_or_malformed_authorization_is_refused(standin, header):
    with pytest.raises(Unauthorized):
        validate_token(header, keys=SigningKeys(standin.openid_metadata_url), app_id=standin.app_id)


def test_token_within_clock_skew_is_accepted(standin):
    keys = SigningKeys(standin.openid_metadata_url)
    validate(standin, keys, standin.token(expires_in=-60, not_before=-3600))


def test_token_is_bound_to_the_activitys_service_url(standin):
    keys = SigningKeys(standin.openid_metadata_url)
    verified = validate(standin, keys, standin.token())
    allowed = [standin.service_url]
    check_activity(verified, standin.message("hallo"), allowed_service_urls=allowed, allow_http=True)
    other = standin.message("hallo", service_url=standin.base_url + "/amer/")
    with pytest.raises(Unauthorized, match="serviceurl claim"):
        check_activity(verified, other, allowed_service_urls=allowed, allow_http=True)
    with pytest.raises(Unauthorized, match="not an allowed"):
        check_activity(verified, standin.message("hallo"), allowed_service_urls=allowed, allow_http=False)
    without_claim = validate(standin, keys, standin.token(serviceurl=None))
    with pytest.raises(Unauthorized, match="serviceurl claim"):
        check_activity(without_claim, standin.message("hallo"), allowed_service_urls=allowed, allow_http=True)


def test_key_must_be_endorsed_for_the_activitys_channel(standin):
    verified = validate(standin, SigningKeys(standin.openid_metadata_url), standin.token())
    activity = standin.message("hallo", channelId="slack")
    with pytest.raises(Unauthorized, match="endorsed"):
        check_activity(verified, activity, allowed_service_urls=[standin.service_url], allow_http=True)


@pytest.mark.parametrize("url, allowed", [
    ("https://smba.trafficmanager.net/emea/", True),
    ("https://smba.trafficmanager.net/amer", True),
    ("https://SMBA.trafficmanager.net/teams/", True),
    ("http://smba.trafficmanager.net/emea/", False),
    ("https://smba.trafficmanager.net.evil.example/emea/", False),
    ("https://evilsmba.trafficmanager.net/emea/", False),
    ("https://smba.trafficmanager.net@evil.example/emea/", False),
    ("https://evil.example/?smba.trafficmanager.net", False),
    ("ftp://smba.trafficmanager.net/", False),
    ("not a url", False),
])
def test_default_allowed_service_urls_are_teams_hosts(url, allowed):
    assert service_url_allowed(url, ["smba.trafficmanager.net"]) is allowed


def test_allowed_service_url_prefix_and_http_setting():
    prefix = ["https://smba.trafficmanager.net/emea/"]
    assert service_url_allowed("https://smba.trafficmanager.net/emea/", prefix)
    assert not service_url_allowed("https://smba.trafficmanager.net/amer/", prefix)
    assert not service_url_allowed("https://smba.trafficmanager.net/emeax/", prefix)
    assert not service_url_allowed("http://127.0.0.1:3978/", ["127.0.0.1"])
    assert service_url_allowed("http://127.0.0.1:3978/", ["127.0.0.1"], allow_http=True)


# --- outgoing tokens ---------------------------------------------------------------------------

def test_client_credentials_token_is_cached_until_shortly_before_expiry(standin):
    clock = FakeClock()
    provider = ClientCredentials(standin.app_id, standin.app_password, standin.token_url, clock=clock)
    before = standin.counts()["token"]
    first = provider.token()
    assert provider.token() == first
    assert standin.counts()["token"] == before + 1
    clock.now += 3599 - 300 - 1
    assert provider.token() == first
    clock.now += 2
    assert provider.token() != first
    assert standin.counts()["token"] == before + 2
    provider.invalidate()
    provider.token()
    assert standin.counts()["token"] == before + 3


def test_wrong_client_secret_gives_no_token(standin):
    with pytest.raises(TokenUnavailable, match="401"):
        ClientCredentials(standin.app_id, "wrong", standin.token_url).token()


def test_managed_identity_token_from_imds_style_endpoint(standin):
    provider = ManagedIdentity(standin.app_id, endpoint=standin.msi_endpoint)
    before = standin.counts()["msi"]
    token = provider.token()
    assert token in standin.issued_tokens
    assert provider.token() == token
    assert standin.counts()["msi"] == before + 1
    with pytest.raises(TokenUnavailable, match="400"):
        ManagedIdentity("another-identity", endpoint=standin.msi_endpoint).token()


# --- settings ----------------------------------------------------------------------------------

def test_settings_single_tenant_defaults():
    settings = TeamsSettings.from_credentials({"app_id": "app", "app_password": "pw", "tenant_id": "tenant"}, environ={})
    assert settings.token_url == token_url_for_tenant("tenant") == "https://login.microsoftonline.com/tenant/oauth2/v2.0/token"
    assert settings.openid_metadata_url == "https://login.botframework.com/v1/.well-known/openidconfiguration"
    assert settings.allowed_service_urls == ["smba.trafficmanager.net"]
    assert settings.allow_http_service_url is False
    assert isinstance(settings.token_provider(), ClientCredentials)
    assert "pw" not in repr(settings)


def test_settings_come_from_environment_when_not_in_credentials():
    env = {"DRAAIBOEK_TEAMS_APP_ID": "app", "DRAAIBOEK_TEAMS_APP_PASSWORD": "pw", "DRAAIBOEK_TEAMS_TENANT_ID": "t",
           "DRAAIBOEK_TEAMS_ALLOWED_SERVICE_URLS": "smba.trafficmanager.net, https://example.org/x/"}
    settings = TeamsSettings.from_credentials(None, environ=env)
    assert (settings.app_id, settings.app_password, settings.tenant_id) == ("app", "pw", "t")
    assert settings.allowed_service_urls == ["smba.trafficmanager.net", "https://example.org/x/"]


def test_settings_expand_environment_variables_in_credentials_yml(tmp_path, monkeypatch):
    from rasa.shared.utils.io import read_config_file

    monkeypatch.setenv("TEAMS_TEST_SECRET", "geheim")
    path = tmp_path / "credentials.yml"
    path.write_text("bot.channels.teams.TeamsInput:\n  app_id: app\n  app_password: ${TEAMS_TEST_SECRET}\n  tenant_id: t\n")
    settings = TeamsSettings.from_credentials(read_config_file(str(path))["bot.channels.teams.TeamsInput"], environ={})
    assert settings.app_password == "geheim"


def test_settings_managed_identity():
    settings = TeamsSettings.from_credentials(
        {"app_id": "mi-client", "auth": "managed_identity", "msi_endpoint": "http://127.0.0.1:1/token"}, environ={}
    )
    provider = settings.token_provider()
    assert isinstance(provider, ManagedIdentity)
    assert (provider.client_id, provider.endpoint) == ("mi-client", "http://127.0.0.1:1/token")


@pytest.mark.parametrize("credentials, code", [
    ({}, "S041"),
    ({"app_id": "app", "tenant_id": "t"}, "S043"),
    ({"app_id": "app", "app_password": "pw"}, "S044"),
    ({"app_id": "app", "auth": "certificate"}, "S045"),
    ({"app_id": "app", "app_password": "pw", "tenant_id": "t", "allow_http_service_url": "misschien"}, "S046"),
    ({"app_id": "app", "app_password": "pw", "tenant_id": "t", "app_secret": "pw"}, "S040"),
])
def test_settings_errors_name_the_setting(credentials, code):
    with pytest.raises(SettingsError) as error:
        TeamsSettings.from_credentials(credentials, environ={})
    assert error.value.code == code


# --- messages and cards --------------------------------------------------------------------------

def test_answer_card_separates_source_line_and_renders_buttons():
    card = adaptive_card(ANSWER, [{"title": "👍", "payload": FEEDBACK_GOOD}, {"title": "👎", "payload": FEEDBACK_WRONG}])
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.4"
    texts = [block["text"] for block in card["body"]]
    assert texts[0].endswith("C03S350.") and texts[1:3] == ["- eerste punt", "- tweede punt"]
    source = card["body"][-1]
    assert source["text"].startswith("Bron:") and source["isSubtle"] and source["size"] == "Small"
    assert not any("Bron:" in text for text in texts[:-1])
    assert all(block["wrap"] for block in card["body"])
    assert card["actions"] == [
        {"type": "Action.Submit", "title": "👍", "data": {"payload": FEEDBACK_GOOD}},
        {"type": "Action.Submit", "title": "👎", "data": {"payload": FEEDBACK_WRONG}},
    ]
    assert "C03S350" in card["fallbackText"] and "👍" in card["fallbackText"]


def test_reply_without_buttons_or_source_is_plain_text():
    assert reply_content("Graag gedaan!") == {"text": "Graag gedaan!", "textFormat": "markdown"}
    content = reply_content(ANSWER, [])
    assert content["attachments"][0]["contentType"] == ADAPTIVE_CARD


def test_card_submit_and_mentions_become_the_message(standin):
    assert message_text(standin.message(value={"payload": FEEDBACK_GOOD})) == FEEDBACK_GOOD
    assert message_text(standin.message(value={"text": "wat is een BVS?"})) == "wat is een BVS?"
    assert message_text(standin.message(value={"unknown": 1})) is None
    bot = {"id": f"28:{standin.app_id}", "name": "Draaiboek-assistent"}
    mention = {"type": "mention", "text": "<at>Draaiboek-assistent</at>", "mentioned": bot}
    channel = standin.message("<at>Draaiboek-assistent</at> wat is een BVS?\n", entities=[mention])
    assert message_text(channel) == "wat is een BVS?"
    assert message_text(standin.message("<at>Draaiboek</at> vraag van <at>Jan</at>")) == "vraag van Jan"


def test_sender_id_is_per_user_and_conversation_and_holds_no_teams_ids(standin):
    first = standin.message("a", conversation_id="a:1conv", user_id="29:1user")
    assert sender_id(first) == sender_id(standin.message("b", conversation_id="a:1conv", user_id="29:1user"))
    assert sender_id(first) != sender_id(standin.message("a", conversation_id="a:1other", user_id="29:1user"))
    assert "conv" not in sender_id(first) and "user" not in sender_id(first)


def test_manifest_template_fills_to_a_teams_manifest_within_its_limits():
    template = (project_settings.PROJECT_DIR / "teams" / "manifest.template.json").read_text(encoding="utf-8")
    values = {
        "APP_ID": "0f8fad5b-d9cb-469f-a165-70867728950e", "APP_VERSION": "1.0.0", "DEVELOPER_NAME": "OCMW",
        "WEBSITE_URL": "https://example.org", "PRIVACY_URL": "https://example.org/privacy",
        "TERMS_URL": "https://example.org/voorwaarden", "ACCENT_COLOR": "#1A6E3C",
    }
    assert set(re.findall(r"\{\{(\w+)\}\}", template)) == set(values)
    manifest = json.loads(re.sub(r"\{\{(\w+)\}\}", lambda m: values[m.group(1)], template))
    assert tuple(map(int, manifest["manifestVersion"].split("."))) >= (1, 16)
    [bot] = manifest["bots"]
    assert bot["botId"] == manifest["id"] == values["APP_ID"]
    assert set(bot["scopes"]) == {"personal", "team"}
    # the limits Teams enforces when the package is uploaded
    assert len(manifest["name"]["short"]) <= 30 and len(manifest["name"]["full"]) <= 100
    assert len(manifest["description"]["short"]) <= 80 and len(manifest["description"]["full"]) <= 4000
    for command in bot["commandLists"][0]["commands"]:
        assert len(command["title"]) <= 32 and len(command["description"]) <= 128
    assert manifest["icons"] == {"color": "color.png", "outline": "outline.png"}


# --- the app package -------------------------------------------------------------------------------

APP_ID = "0f8fad5b-d9cb-469f-a165-70867728950e"
ENDPOINT = "https://bot.example.org/webhooks/teams/webhook"


def run_cli(*args: str):
    from click.testing import CliRunner

    from bot.cli import cli

    return CliRunner().invoke(cli, list(args))


def test_package_command_writes_a_ready_app_package(tmp_path):
    from PIL import Image

    from bot.teams_app import manifest_problems

    out = tmp_path / "build" / "teams" / "draaiboek-assistent.zip"
    result = run_cli(
        "teams", "package", "--app-id", APP_ID, "--bot-endpoint", ENDPOINT, "--out", str(out),
        "--version", "1.2.3", "--developer-name", "OCMW Voorbeeld", "--privacy-url", "https://ocmw.example.org/privacy",
    )
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(out) as archive:
        assert sorted(archive.namelist()) == ["color.png", "manifest.json", "outline.png"], "all at the zip's root"
        text = archive.read("manifest.json").decode("utf-8")
        color = Image.open(io.BytesIO(archive.read("color.png")))
        outline = Image.open(io.BytesIO(archive.read("outline.png")))
    assert "{{" not in text and "}}" not in text
    manifest = json.loads(text)
    assert manifest_problems(manifest) == []
    assert manifest["id"] == manifest["bots"][0]["botId"] == APP_ID
    assert manifest["version"] == "1.2.3" and manifest["developer"]["name"] == "OCMW Voorbeeld"
    assert manifest["developer"]["privacyUrl"] == "https://ocmw.example.org/privacy"
    assert manifest["developer"]["websiteUrl"] == manifest["developer"]["termsOfUseUrl"] == "https://bot.example.org/"
    assert manifest["validDomains"] == ["bot.example.org"]
    assert (color.format, color.size) == ("PNG", (192, 192))
    assert (outline.format, outline.size) == ("PNG", (32, 32))
    pixels = list(outline.convert("RGBA").getdata())
    assert all(a == 0 or (r, g, b) == (255, 255, 255) for r, g, b, a in pixels), "outline: white on transparent"
    assert any(a == 0 for *_, a in pixels) and any(a == 255 for *_, a in pixels)
    assert "App-pakket geschreven" in result.output


def test_the_shipped_schema_is_the_teams_manifest_schema_and_catches_mistakes():
    from bot.teams_app import SCHEMA, check_options, fill_manifest, manifest_problems, PackageOptions

    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    manifest = fill_manifest(check_options(PackageOptions(app_id=APP_ID, bot_endpoint=ENDPOINT)))
    assert schema["properties"]["manifestVersion"]["const"] == manifest["manifestVersion"] == "1.16"
    assert manifest_problems(manifest) == []
    broken = {**manifest, "id": "draaiboek", "manifestVersion": "1.17", "accentColor": "groen"}
    del broken["icons"]
    problems = "\n".join(manifest_problems(broken))
    for where in ("id:", "manifestVersion:", "accentColor:", "'icons' is a required property"):
        assert where in problems
    too_long = {**manifest, "name": {**manifest["name"], "short": "x" * 31}}
    assert any(p.startswith("name/short:") for p in manifest_problems(too_long))


@pytest.mark.parametrize("args, message", [
    (["--app-id", "draaiboek-bot", "--bot-endpoint", ENDPOINT], "geen GUID"),
    (["--app-id", APP_ID, "--bot-endpoint", "http://bot.example.org/webhooks/teams/webhook"], "moet een https-adres zijn"),
    (["--app-id", APP_ID, "--bot-endpoint", ENDPOINT, "--version", "1.0"], "drie getallen"),
    (["--app-id", APP_ID, "--bot-endpoint", ENDPOINT, "--accent-color", "groen"], "HTML-kleurcode"),
    (["--app-id", APP_ID, "--bot-endpoint", ENDPOINT, "--privacy-url", "http://x.example.org/"], "privacyadres"),
])
def test_package_command_refuses_bad_options_in_dutch(tmp_path, args, message):
    out = tmp_path / "app.zip"
    result = run_cli("teams", "package", *args, "--out", str(out))
    assert result.exit_code == 1 and message in result.output
    assert not out.exists()


def test_package_takes_own_icons_only_in_the_required_sizes(tmp_path):
    from PIL import Image

    right, wrong, grey = tmp_path / "color.png", tmp_path / "wrong.png", tmp_path / "grey.png"
    Image.new("RGB", (192, 192), "#004080").save(right)
    Image.new("RGB", (100, 100), "#004080").save(wrong)
    Image.new("RGBA", (32, 32), (128, 128, 128, 255)).save(grey)
    out = tmp_path / "app.zip"
    base = ["teams", "package", "--app-id", APP_ID, "--bot-endpoint", ENDPOINT, "--out", str(out)]
    assert run_cli(*base, "--color-icon", str(right)).exit_code == 0
    with zipfile.ZipFile(out) as archive:
        assert archive.read("color.png") == right.read_bytes()
    result = run_cli(*base, "--color-icon", str(wrong))
    assert result.exit_code == 1 and "192 × 192" in result.output
    result = run_cli(*base, "--outline-icon", str(grey))
    assert result.exit_code == 1 and "wit op een transparante achtergrond" in result.output


# --- buttons, welcome, echo, updated cards ---------------------------------------------------------

LONG_TITLE = "Tijdens TWE-OCMW blijkt uitstroom naar het NEC niet haalbaar - rechten SE aanvragen en wat daarna"
RATINGS = [{"title": "👍", "payload": FEEDBACK_GOOD}, {"title": "👎", "payload": FEEDBACK_WRONG}]


def all_actions(card: dict) -> list[dict]:
    in_body = [a for block in card["body"] if block["type"] == "ActionSet" for a in block["actions"]]
    return in_body + card.get("actions", [])


def test_button_titles_are_cut_after_a_word_and_keep_the_full_text():
    assert len(LONG_TITLE) == 97
    assert button_title(LONG_TITLE) == "Tijdens TWE-OCMW blijkt uitstroom naar…"
    assert button_title("Meer uitleg") == "Meer uitleg"
    assert len(button_title("x" * 60)) == MAX_BUTTON_TITLE
    card = adaptive_card(ANSWER, [{"title": LONG_TITLE, "payload": "/twe_uitstroom"}])
    [action] = all_actions(card)
    assert len(action["title"]) <= MAX_BUTTON_TITLE
    assert action["data"] == {"payload": "/twe_uitstroom", "title": LONG_TITLE}
    assert LONG_TITLE in card["fallbackText"]


def test_a_card_holds_at_most_six_buttons_one_suggestion_per_row_and_keeps_its_ratings():
    suggestions = [{"title": f"Onderwerp {n}", "payload": f"/onderwerp_{n}"} for n in range(8)]
    card = adaptive_card(ANSWER, suggestions + RATINGS)
    actions = all_actions(card)
    assert len(actions) == MAX_ACTIONS == 6
    assert [a["title"] for a in card["actions"]] == ["👍", "👎"]
    rows = [block for block in card["body"] if block["type"] == "ActionSet"]
    assert [len(row["actions"]) for row in rows] == [1, 1, 1, 1]
    assert [a["title"] for a in actions[:4]] == [f"Onderwerp {n}" for n in range(4)]


def test_every_question_of_the_eligibility_guide_fits_on_one_card():
    from bot.eligibility import QUESTIONS

    for question in QUESTIONS:
        labels = [*question.options.values(), messages.M045_DONT_KNOW]
        card = adaptive_card(question.text, [{"title": label, "payload": label} for label in labels])
        actions = all_actions(card)
        assert [a["data"]["payload"] for a in actions] == labels, question.key
        assert all(len(a["title"]) <= MAX_BUTTON_TITLE for a in actions)


def test_welcome_card_asks_example_questions_and_states_no_rule():
    personal = welcome_content("personal")["attachments"][0]["content"]
    channel = welcome_content("channel")["attachments"][0]["content"]
    texts = [block["text"] for block in personal["body"] if block["type"] == "TextBlock"]
    assert texts[0] == messages.M092_WELCOME and messages.M094_WELCOME_PRIVACY in texts
    assert messages.M095_WELCOME_CHANNEL not in texts
    assert messages.M095_WELCOME_CHANNEL in [b.get("text") for b in channel["body"]]
    questions = [a["data"]["text"] for a in all_actions(personal)]
    assert questions == list(messages.M097_WELCOME_QUESTIONS) and all(q.endswith("?") for q in questions)
    # grounded: the welcome names the topics, never a rule, a number or a code
    assert not re.search(r"\d", " ".join(texts))


def test_a_clicked_suggestion_is_echoed_and_a_rating_is_not():
    assert clicked_choice({"payload": "/twe_uitstroom", "title": LONG_TITLE}) == LONG_TITLE
    assert clicked_choice({"text": "wat is een BVS?", "title": "wat is een BVS?"}) == "wat is een BVS?"
    assert clicked_choice({"payload": "Minstens halftijds"}) == "Minstens halftijds"
    assert clicked_choice({"payload": FEEDBACK_GOOD}) is None and clicked_choice({"x": 1}) is None
    card = reply_content(ANSWER, RATINGS, chosen=LONG_TITLE)["attachments"][0]["content"]
    assert card["body"][0]["text"] == f"Je koos: {LONG_TITLE}" and card["body"][1]["text"].startswith("Registreer")
    assert reply_content("Graag gedaan!", chosen="bedankt")["text"] == "Je koos: bedankt\n\nGraag gedaan!"


def test_a_clicked_card_loses_the_clicked_kind_of_buttons():
    card = adaptive_card(ANSWER, [{"title": messages.M048_MORE, "payload": "/meer_uitleg"}] + RATINGS)
    after_more = card_after_click(card, {"payload": "/meer_uitleg", "title": messages.M048_MORE})
    assert [a["title"] for a in all_actions(after_more)] == ["👍", "👎"]
    assert after_more["body"][-1]["text"] == "Je koos: Meer uitleg"
    after_rating = card_after_click(after_more, {"payload": FEEDBACK_GOOD})
    assert all_actions(after_rating) == [] and after_rating["body"][-1]["text"] == "Je beoordeelde dit antwoord: 👍"
    assert card_after_click(after_rating, {"payload": FEEDBACK_GOOD}) is None, "nothing left to update"
    assert all_actions(card) != [], "the sent card itself is not changed"


CARD_CHECK = project_settings.PROJECT_DIR / "tests" / "cards"


def parse_cards(cards: list[dict], max_actions: int = MAX_ACTIONS) -> list[dict]:
    """Microsoft's Adaptive Cards parser (npm adaptivecards 3.0.6, run by Node.js) on each card."""
    if not shutil.which("node") or not (CARD_CHECK / "node_modules" / "adaptivecards").is_dir():
        pytest.fail("the Adaptive Cards parser is not installed (make install: scripts/bootstrap.sh installs tests/cards)")
    done = subprocess.run(
        ["node", str(CARD_CHECK / "check_cards.js"), str(max_actions)],
        input=json.dumps(cards), capture_output=True, text=True, timeout=60, check=True,
    )
    return json.loads(done.stdout)


def assert_cards_parse(cards: list[dict]) -> None:
    """No parser or validation message, every property known (the parser's JSON equals ours but the
    Teams-only `msteams`), at most MAX_ACTIONS actions, card version 1.4."""
    for card, parsed in zip(cards, parse_cards(cards), strict=True):
        assert parsed["messages"] == [], parsed["messages"]
        assert parsed["version"] == "1.4"
        assert parsed["roundTrip"] == {k: v for k, v in card.items() if k != "msteams"}
        assert sum(parsed["actionSets"]) <= MAX_ACTIONS


def test_cards_parse_with_microsofts_adaptive_cards_library():
    from bot.eligibility import QUESTIONS

    answer = adaptive_card(ANSWER, [{"title": LONG_TITLE, "payload": "/x"}, {"title": messages.M048_MORE, "payload": "/meer_uitleg"}] + RATINGS, chosen=LONG_TITLE)
    cards = [
        answer,
        card_after_click(answer, {"payload": "/meer_uitleg", "title": messages.M048_MORE}),
        card_after_click(answer, {"payload": FEEDBACK_GOOD}),
        welcome_content("personal")["attachments"][0]["content"],
        welcome_content("channel")["attachments"][0]["content"],
        *(adaptive_card(q.text, [{"title": o, "payload": o} for o in [*q.options.values(), "Weet ik niet"]]) for q in QUESTIONS),
    ]
    assert_cards_parse(cards)
    assert all(0.5 < len(json.dumps(card).encode()) / 1024 < 28 for card in cards), "Teams takes messages up to 28 KB"
    # the check is real: the library reports too many actions in one set
    [crowded] = parse_cards([{"type": "AdaptiveCard", "version": "1.4", "body": [], "actions": [
        {"type": "Action.Submit", "title": str(n)} for n in range(7)]}])
    assert any(m.startswith("TooManyActions") for m in crowded["messages"])


def validate_activity(activity: dict) -> None:
    """Microsoft's Bot Framework schema (botbuilder-schema): every field known and of the right type."""
    schema = pytest.importorskip("botbuilder.schema", reason="botbuilder-schema not installed (requirements/lock.txt)")
    activity = copy.deepcopy(activity)
    # Teams (and the .NET and JS schemas) write the conversation's tenant as "tenantId"; the Python
    # package maps it to the key "tenantID" and so drops it. The reply copies Teams' conversation as is.
    tenant = activity.get("conversation", {}).pop("tenantId", None)
    assert tenant is None or isinstance(tenant, str)
    parsed = schema.Activity.deserialize(activity)
    assert parsed.validate() in (None, [])
    assert parsed.serialize(keep_readonly=True) == activity, "a field Microsoft's schema does not know, or of another type"


def test_replies_are_bot_framework_activities(standin):
    from bot.channels.teams import TeamsOutput

    incoming = standin.message("wat is een BVS?")
    output = TeamsOutput(None, incoming)
    for content in (reply_content(ANSWER, RATINGS, chosen="wat is een BVS?"), reply_content("Graag gedaan!"), welcome_content("personal")):
        validate_activity(output.reply(content))



# --- the real servers ------------------------------------------------------------------------------

def stored_events(db: Path, sender: str) -> list[tuple[str, str]]:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as connection:
            return connection.execute("SELECT type_name, data FROM events WHERE sender_id = ?", (sender,)).fetchall()
    except sqlite3.OperationalError:  # no conversation stored yet
        return []


@pytest.fixture(scope="module")
def teams(trained_model, tmp_path_factory):
    from bot.runner import start_servers

    standin = BotFrameworkStandIn().start()
    workdir = tmp_path_factory.mktemp("teams")
    credentials = workdir / "credentials.yml"
    # the secret comes from the environment (DRAAIBOEK_TEAMS_APP_PASSWORD), as at a real site
    credentials.write_text(yaml.safe_dump({
        "rest": None,
        "bot.channels.teams.TeamsInput": {
            "app_id": standin.app_id,
            "tenant_id": standin.tenant_id,
            "openid_metadata_url": standin.openid_metadata_url,
            "token_url": standin.token_url,
            "allowed_service_urls": [standin.service_url],
            "allow_http_service_url": True,
        },
    }), encoding="utf-8")
    with environment(DRAAIBOEK_TEAMS_APP_PASSWORD=standin.app_password):
        servers = start_servers(
            rasa_port=free_port(), actions_port=free_port(), tracker_db=workdir / "conversations.db",
            credentials=credentials, log_dir=workdir,
        )
    at_startup = standin.counts()
    yield SimpleNamespace(
        standin=standin, servers=servers, webhook=f"{servers.rasa_url}/webhooks/teams/webhook",
        tracker_db=workdir / "conversations.db", at_startup=at_startup, log_dir=workdir,
    )
    servers.stop()
    standin.stop()


def send(teams, activity: dict, token: str | None = "") -> int:
    if token == "":
        token = teams.standin.token(activity["serviceUrl"])
    return teams.standin.post_activity(teams.webhook, activity, token).status_code


def card_of(reply: dict) -> dict:
    [attachment] = reply["attachments"]
    assert attachment["contentType"] == ADAPTIVE_CARD
    return attachment["content"]


class TestTeamsServers:
    pytestmark = pytest.mark.e2e

    def test_startup_makes_no_network_call(self, teams):
        assert teams.at_startup == {"openid": 0, "jwks": 0, "token": 0, "msi": 0, "replies": 0, "updates": 0}

    def test_answer_arrives_as_adaptive_card_with_source_and_feedback(self, teams):
        standin = teams.standin
        question = standin.message("fin nr bvs buiten twe?")
        assert send(teams, question) == 200
        [reply] = standin.replies_to(question)
        assert reply["type"] == "message" and reply["replyToId"] == question["id"]
        assert reply["conversation"]["id"] == question["conversation"]["id"]
        assert reply["recipient"]["id"] == question["from"]["id"] and reply["from"]["id"] == question["recipient"]["id"]
        card = card_of(reply)
        assert card["type"] == "AdaptiveCard" and card["version"] == "1.4"
        *answer, source = card["body"]
        assert "C03S350" in " ".join(block["text"] for block in answer)
        assert not any("Bron:" in block["text"] for block in answer)
        assert "Bron:" in source["text"] and "§3.4.1" in source["text"]
        assert source["isSubtle"] is True and source["size"] == "Small"
        # each rating names the answer it rates: the activity the answer replies to
        assert [(a["type"], a["title"], json.loads(a["data"]["payload"].removeprefix("/feedback"))) for a in card["actions"]] == [
            ("Action.Submit", "👍", {**json.loads(FEEDBACK_GOOD.removeprefix("/feedback")), "answer": question["id"]}),
            ("Action.Submit", "👎", {**json.loads(FEEDBACK_WRONG.removeprefix("/feedback")), "answer": question["id"]}),
        ]
        assert "C03S350" in reply["summary"], "clients without cards get the text"

        # the 👍 button: Teams posts the card's data as the activity's value, without text
        submit = standin.message(value={"payload": card["actions"][0]["data"]["payload"]}, conversation_id=question["conversation"]["id"])
        assert send(teams, submit) == 200
        [thanks] = standin.replies_to(submit)
        assert thanks["text"] == M018_FEEDBACK_THANKS and "attachments" not in thanks
        events = stored_events(teams.tracker_db, sender_id(question))
        feedback = [json.loads(data) for kind, data in events if kind == "slot" and json.loads(data)["name"] == "feedback"]
        assert feedback and feedback[-1]["value"]["rating"] == "goed"
        assert not any(question["from"]["id"] in data or question["conversation"]["id"] in data for _, data in events)

    @pytest.mark.parametrize("text", [
        "", "😀🙈🔥", "<script>document.cookie</script>", "'; DROP TABLE events; -- ", "x" * 10_000,
        "Bonjour, comment est-ce que je peux inscrire un client chez VDAB?",
    ], ids=["empty", "emoji", "script", "sql", "huge", "french"])
    def test_bad_input_gets_a_clear_dutch_reply(self, teams, text):
        question = teams.standin.message(text)
        assert send(teams, question) == 200
        [reply] = teams.standin.replies_to(question)
        shown = reply.get("text") or " ".join(b["text"] for b in card_of(reply)["body"])
        assert any(phrase in shown for phrase in (NO_ANSWER_MARKER, "leeg bericht", "HTML-code", "te lang", "Nederlands"))
        assert not any(leak in shown for leak in ("Traceback", "Exception", "Error"))

    def test_rasas_restart_command_gets_a_clear_dutch_reply(self, teams):
        question = teams.standin.message("/restart")
        assert send(teams, question) == 200
        [reply] = teams.standin.replies_to(question)
        assert reply["text"] == M072_NEW_CONVERSATION

    def test_question_in_a_channel_with_mention_is_answered(self, teams):
        standin = teams.standin
        bot = {"id": f"28:{standin.app_id}", "name": "Draaiboek-assistent"}
        question = standin.message(
            "<at>Draaiboek-assistent</at> fin nr bvs buiten twe?",
            conversation_id="19:standin-channel@thread.tacv2;messageid=1700000000000",
            entities=[{"type": "mention", "text": "<at>Draaiboek-assistent</at>", "mentioned": bot}],
        )
        question["conversation"]["conversationType"] = "channel"
        assert send(teams, question) == 200
        [reply] = standin.replies_to(question)
        assert "C03S350" in " ".join(block["text"] for block in card_of(reply)["body"])

    def test_keys_and_bot_token_are_fetched_once_for_several_activities(self, teams):
        standin = teams.standin
        conversation = f"a:1keys-{time.time()}"
        for text in ("hallo", "wat is een BVS?", "bedankt"):
            activity = standin.message(text, conversation_id=conversation)
            assert send(teams, activity) == 200
            assert len(standin.replies_to(activity)) >= 1
        counts = standin.counts()
        assert (counts["openid"], counts["jwks"], counts["token"]) == (1, 1, 1)

    def test_non_message_activities_are_accepted_without_reply(self, teams):
        standin = teams.standin
        # a colleague joins a team the bot is in, someone types, the app is removed: nothing to say
        colleague = standin.message(activity_type="conversationUpdate", membersAdded=[{"id": "29:1colleague"}])
        typing = standin.message(activity_type="typing")
        removed = standin.message(activity_type="installationUpdate", action="remove")
        for activity in (colleague, typing, removed):
            assert send(teams, activity) == 200
            assert standin.replies_to(activity) == []

    @pytest.mark.parametrize("case", [
        "missing", "expired", "not yet valid", "wrong audience", "wrong issuer", "unsigned", "unknown kid",
        "forged signature", "HS256 with the public key", "garbage", "serviceurl mismatch", "service url not allowed",
    ])
    def test_invalid_token_is_refused_and_never_reaches_the_assistant(self, teams, case):
        standin = teams.standin
        service_url = standin.base_url + "/amer/" if case == "service url not allowed" else standin.service_url
        activity = standin.message("fin nr bvs buiten twe?", service_url=service_url)
        if case == "missing":
            token = None
        elif case == "serviceurl mismatch":
            token = standin.token(standin.base_url + "/amer/")
        elif case == "service url not allowed":
            token = standin.token(service_url)
        else:
            token = _invalid_tokens(standin)[case]
        replies_before = standin.counts()["replies"]
        assert send(teams, activity, token) == 401
        assert standin.counts()["replies"] == replies_before
        assert standin.replies_to(activity) == []
        assert stored_events(teams.tracker_db, sender_id(activity)) == []

    def test_activity_from_another_tenant_is_forbidden(self, teams):
        standin = teams.standin
        activity = standin.message("fin nr bvs buiten twe?", tenant_id="11111111-2222-3333-4444-555555555555")
        assert send(teams, activity) == 403
        assert standin.replies_to(activity) == []
        assert stored_events(teams.tracker_db, sender_id(activity)) == []

    def test_logs_hold_activity_ids_not_texts(self, teams):
        standin = teams.standin
        activity = standin.message("fin nr bvs buiten twe? kenmerk-zichtbaar-in-log")
        assert send(teams, activity) == 200
        rejected = standin.message("kenmerk-geweigerd-in-log")
        assert send(teams, rejected, _invalid_tokens(standin)["expired"]) == 401
        log = (teams.log_dir / "rasa.log").read_text(encoding="utf-8", errors="replace")
        assert activity["id"] in log and rejected["id"] in log
        assert "kenmerk-zichtbaar-in-log" not in log and "kenmerk-geweigerd-in-log" not in log
        assert standin.app_password not in log

    def test_a_long_message_is_refused_before_the_nlu_runs(self, teams):
        question = teams.standin.message("waarom " * 6000)
        started = time.monotonic()
        assert send(teams, question) == 200
        [reply] = teams.standin.replies_to(question)
        assert "te lang" in reply["text"] and time.monotonic() - started < 2
        assert stored_events(teams.tracker_db, sender_id(question)) == [], "nothing reached the NLU or the log"

    def test_every_kind_of_personal_data_is_found_nowhere(self, teams):
        from tests.test_security import EVERY_KIND, VALUES

        question = teams.standin.message(EVERY_KIND)
        assert send(teams, question) == 200
        replies = teams.standin.replies_to(question)
        assert replies and replies[0]["text"].startswith("Let op")
        time.sleep(1)
        for place in (teams.tracker_db, *teams.log_dir.glob("*.log")):
            content = place.read_bytes().decode("utf-8", "replace")
            assert [value for value in VALUES if leaked(value, content)] == [], place.name

    def test_welcome_then_a_clicked_example_is_echoed_and_each_clicked_card_loses_its_buttons(self, teams):
        standin = teams.standin
        conversation = f"a:1welkom-{time.time()}"
        bot = {"id": f"28:{standin.app_id}", "name": "Draaiboek-assistent"}
        added = standin.message(activity_type="conversationUpdate", conversation_id=conversation, membersAdded=[bot])
        installed = standin.message(activity_type="installationUpdate", conversation_id=conversation, action="add")
        assert send(teams, added) == 200 and send(teams, installed) == 200
        [welcome] = standin.replies_to(added)
        assert standin.replies_to(installed) == [], "one welcome for one installation"
        welcome_card = card_of(welcome)
        assert welcome_card["body"][0]["text"] == messages.M092_WELCOME
        example = next(a for a in all_actions(welcome_card) if a["data"]["text"] == "wat is een BVS?")

        # the example clicked: the answer says which question it answers; the welcome loses its examples
        click = standin.click(welcome, example["data"])
        assert send(teams, click) == 200
        [answer] = standin.replies_to(click)
        card = card_of(answer)
        assert card["body"][0]["text"] == "Je koos: wat is een BVS?"
        assert "Bron:" in card["body"][-1]["text"]
        [updated_welcome] = standin.updates_of(standin.sent_id_of(welcome))
        assert all_actions(card_of(updated_welcome)) == []
        assert card_of(updated_welcome)["body"][-1]["text"] == "Je koos: wat is een BVS?"
        assert updated_welcome["id"] == standin.sent_id_of(welcome) and updated_welcome["type"] == "message"

        # "Meer uitleg" clicked: echoed, and the answer card keeps only its 👍/👎
        more = next(a for a in all_actions(card) if a["data"]["payload"] == "/meer_uitleg")
        click_more = standin.click(answer, more["data"])
        assert send(teams, click_more) == 200
        [explained] = standin.replies_to(click_more)
        shown = explained.get("text") or card_of(explained)["body"][0]["text"]
        assert shown.startswith("Je koos: Meer uitleg")
        [after_more] = standin.updates_of(standin.sent_id_of(answer))
        assert [a["title"] for a in all_actions(card_of(after_more))] == ["👍", "👎"]

        # 👍 clicked: thanks without echo, and the card loses the rating buttons too
        up = next(a for a in all_actions(card_of(after_more)) if a["title"] == "👍")
        rate = standin.click(answer, up["data"])
        assert send(teams, rate) == 200
        [thanks] = standin.replies_to(rate)
        assert thanks["text"] == M018_FEEDBACK_THANKS
        after_more_again, after_rating = standin.updates_of(standin.sent_id_of(answer))
        assert after_more_again == after_more
        assert all_actions(card_of(after_rating)) == []
        assert card_of(after_rating)["body"][-1]["text"] == "Je beoordeelde dit antwoord: 👍"
        assert standin.refused_replies == 0

    def test_every_example_question_of_the_welcome_is_answered_from_the_draaiboeken(self, teams):
        standin = teams.standin
        for question in messages.M097_WELCOME_QUESTIONS:
            activity = standin.message(value={"text": question, "title": question})
            assert send(teams, activity) == 200
            [reply] = standin.replies_to(activity)
            texts = " ".join(b.get("text", "") for b in card_of(reply)["body"])
            assert texts.startswith(f"Je koos: {question}") and "Bron:" in texts and NO_ANSWER_MARKER not in texts

    def test_a_click_on_a_card_of_another_conversation_updates_nothing(self, teams):
        standin = teams.standin
        question = standin.message("wat is een BVS?")
        assert send(teams, question) == 200
        [answer] = standin.replies_to(question)
        rating = card_of(answer)["actions"][0]["data"]
        foreign = standin.message(value=rating, replyToId=standin.sent_id_of(answer), conversation_id="a:1another")
        assert send(teams, foreign) == 200
        assert standin.updates_of(standin.sent_id_of(answer)) == []

    def test_everything_sent_is_valid_for_microsofts_schemas(self, teams):
        """Last: every activity the bot sent or updated in this module, with botbuilder-schema, and every
        card in them with the Adaptive Cards parser."""
        standin = teams.standin
        # at least: a welcome, an answer with buttons, a clicked card, a plain text
        welcomed = standin.message(activity_type="installationUpdate", action="add", conversation_id=f"a:1schema-{time.time()}")
        question = standin.message("wat is een BVS?")
        assert send(teams, welcomed) == 200 and send(teams, question) == 200
        [answer] = standin.replies_to(question)
        more, up, _ = all_actions(card_of(answer))
        for data in (more["data"], up["data"]):
            assert send(teams, standin.click(answer, data)) == 200
        assert send(teams, standin.message("bedankt")) == 200
        with standin.lock:
            activities = [r.activity for r in standin.replies] + [u.activity for u in standin.updates]
        assert len(activities) >= 5 and any("text" in a for a in activities)
        cards = [card_of(a) for a in activities if a.get("attachments")]
        assert any(all_actions(c) for c in cards) and any(not all_actions(c) for c in cards)
        assert_cards_parse(cards)
        for activity in activities:
            validate_activity(activity)
