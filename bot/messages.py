"""Every Dutch text the assistant composes itself, numbered (M001 …) and kept in one place.

Topic answers come from the knowledge base; dialogue texts (greeting …) are `utter_*`
responses in domain.yml. What is here glues answers together: citation, no-answer, contacts.
Numbers are never reused.
"""
from __future__ import annotations

#: Every reply that declines to answer contains this phrase (the question-set scorer checks it).
NO_ANSWER_MARKER = "staat niet in de draaiboeken"

#: Every substantive answer ends with a line starting with this.
SOURCE_PREFIX = "Bron:"

M001_SOURCE = SOURCE_PREFIX + " {title}, versie {version} ({date}), §{section}"
M001_SOURCE_UNDATED = SOURCE_PREFIX + " {title} ({date}), §{section}"
M002_NO_ANSWER = "Sorry, dat " + NO_ANSWER_MARKER + ", of ik begrijp je vraag niet goed."
M003_CONTACTS_INTRO = "Je kan terecht bij:"
M004_CONTACT_LINE = "- {name}{value}: {for_what}"
M005_SUGGESTIONS = "Bedoel je misschien een van deze onderwerpen?"
M006_COMBINATION_ALLOWED = "Ja, {a} en {b} kunnen samen."
M007_COMBINATION_EXCLUDED = "Nee, {a} en {b} kunnen niet samen."
M008_COMBINATION_CONDITIONAL = "Dat hangt ervan af: {a} en {b}."
# what the record that answers an unsettled pair says follows it (LP §3.3: the list is not limitative)
M009_COMBINATION_UNSETTLED = "De draaiboeken zeggen niet uitdrukkelijk of {a} en {b} samen kunnen."
# M010 retired: who decides on an unsettled combination now comes from the knowledge base.
M011_COMBINATION_WHICH = "Welke combinatie bedoel je? Noem beide trajecten of diensten, bv. \"lokaal partnerschap en BVS\"."
M012_KB_UNAVAILABLE = "Sorry, de kennisbank is nu niet bereikbaar. Probeer het straks opnieuw of contacteer de helpdesk."
M013_EMPTY_MESSAGE = "Ik kreeg een leeg bericht. Wat wil je weten over de draaiboeken?"
M014_STATUS = "Let op: {note}"
M015_MARKUP = "Je bericht bevat HTML-code of opmaak; die verwerk ik niet. Stel je vraag in gewone tekst, bv. \"wat is een BVS?\""
M016_FEEDBACK_UP = "👍"
M017_FEEDBACK_DOWN = "👎"
M018_FEEDBACK_THANKS = "Bedankt, je beoordeling is bewaard bij dit antwoord."
M019_FEEDBACK_THANKS_DOWN = (
    "Bedankt, je beoordeling is bewaard bij dit antwoord. Klopt er iets niet, dan kijkt de helpdesk het na; "
    "twijfel je nu, vraag het dan na bij de contactpersoon van het draaiboek."
)
M020_FEEDBACK_NOTHING = "Er is nog geen antwoord om te beoordelen. Stel gerust je vraag over de draaiboeken."
M021_PERSONAL_DATA = (
    "Let op: je bericht lijkt persoonsgegevens van een cliënt te bevatten ({kinds}). Deel die hier niet; "
    "ik heb ze niet nodig om je vraag te beantwoorden. Ze worden niet leesbaar bewaard."
)
M022_EARLIER_VERSION = "Dit zei {title}, versie {version}. Die versie is vervangen; vraag je naar vandaag, stel je vraag dan zonder versie."
M023_NO_EARLIER_VERSION = "Ik heb geen eerdere versie van dit antwoord in de kennisbank. Het antwoord komt uit:\n{source}"
M024_NO_REPLY = (
    "Sorry, er ging iets mis bij het opzoeken van je antwoord. Je vraag is bewaard; probeer het over een "
    "ogenblik opnieuw. Blijft het misgaan, contacteer dan de helpdesk."
)
M025_BAD_REQUEST = "Ongeldig verzoek: stuur JSON met \"sender\" en \"message\" (tekst)."
M026_NOT_DUTCH = (
    "Ik antwoord enkel in het Nederlands, over de VDAB-draaiboeken. Stel je vraag in het Nederlands, "
    "bv. \"hoe start ik een combinatietraject?\""
)
M027_TOO_LONG = (
    "Je bericht is te lang om als één vraag te lezen (meer dan {limit} tekens). Stel je vraag in een paar zinnen, "
    "zonder gegevens van de cliënt, bv. \"kan een klant met leefloon in GLOW?\""
)
M028_CHANNEL_TOKEN = "Geen toegang: dit kanaal vraagt een token (Authorization: Bearer …)."
M029_SOURCES_INTRO = "Dat vorige antwoord komt hieruit (letterlijk):"
M030_SOURCE_PASSAGE = "- {title}, {edition}, §{section} {section_title}: \"{passage}\""
M031_HANDOVER = "Ik kan je niet zelf doorverbinden, maar deze mensen helpen je verder met je vraag:"
M032_HANDOVER_AFTER_FAILURES = (
    "Ik kon nu twee keer na elkaar niet antwoorden. De contacten hierboven helpen je verder; "
    "ik geef je vraag door als je kanaal dat kan."
)
# eligibility guide (bot/eligibility.py)
M033_ELIGIBILITY_INTRO = "Wat de draaiboeken zeggen voor je cliënt ({facts}):"
M034_ELIGIBILITY_INTRO_NO_FACTS = "Wat de draaiboeken zeggen (over je cliënt weet ik nog niets):"
M035_VERDICT_EXCLUDED = "{name}: kan niet."
M036_VERDICT_POSSIBLE = "{name}: mogelijk, als ook de voorwaarden kloppen."
M037_VERDICT_CONDITIONAL = "{name}: hangt af van de voorwaarden."
M038_VERDICT_OPEN = "  Hangt nog af van: {facts}."
M039_NOT_A_DECISION = (
    "Ik beslis niet in jouw plaats: dit zijn de regels uit de draaiboeken die passen bij wat je me vertelde. "
    "De keuze maak jij, op basis van je inschatting van de cliënt."
)
M040_ELIGIBILITY_STOPPED = "Oké, ik stel geen vragen meer over je cliënt. Stel gerust een andere vraag."
M041_WHY_INTRO = "Zo staat het in de draaiboeken (letterlijk):"
M042_CONTACTS_FOR_TOPIC = "Voor dit onderwerp kan je terecht bij:"
M043_CLARIFY_TRAJECT = "Over welk traject gaat je vraag?"
M044_ELIGIBILITY_NOT_NAMED = "Voor {names} heb ik geen regels per cliënt; ik toets {targets}."
M045_DONT_KNOW = "Weet ik niet"
M046_ELIGIBILITY_SO_FAR = "Oké, geen vragen meer. Met wat ik nu weet:"
M047_OFF_TOPIC = (
    "Sorry, dat " + NO_ANSWER_MARKER + ": ik beantwoord alleen vragen over de VDAB-draaiboeken (GLOW, lokale "
    "partnerschappen, TWE-OCMW, de BVS …). Vraag bv. \"welke combinaties kunnen niet?\" of \"welke trajecten kan mijn cliënt volgen?\""
)
# answering pipeline (bot/answering/)
M048_MORE = "Meer uitleg"
M049_VERDICT = {"ja": "Ja: {reason}", "nee": "Nee: {reason}", "hangt af": "Dat hangt ervan af: {reason}"}
M050_PASSAGE_INTRO = "Letterlijk uit {title}:"
M051_PASSAGE_INTRO_BACKGROUND = "Letterlijk uit {title} ({note}):"
M052_NOTHING_TO_EXPLAIN = "Er is nog geen antwoord om meer over te vertellen. Stel gerust je vraag over de draaiboeken."
M053_ONE_TARGET_EXCLUDED = "Nee: {name} kan niet voor je cliënt ({facts})."
M054_ONE_TARGET_POSSIBLE = "Ja, {name} kan voor je cliënt ({facts}), als ook de andere voorwaarden kloppen."
M055_ONE_TARGET_CONDITIONAL = "Dat hangt af van de voorwaarden van {name} voor je cliënt ({facts}):"
M056_STANDS_FOR = "{abbreviation} staat voor {expansion}."
M057_CONTACT_LINE_NAME_ONLY = "- {name}{value}"

# hardening of the channels and the review page (bot/channels/guard.py, bot/channels/socketio.py, bot/review/app.py)
M060_BAD_SENDER = (
    "Ongeldig verzoek: \"sender\" moet tekst zijn van 1 tot 255 tekens (het id van jouw gesprek), "
    "niet \"default\" en zonder persoonsgegevens (geen rijksregisternummer, naam, e-mailadres …)."
)
M061_TOO_LARGE = "Je bericht is te groot om te verwerken (meer dan {limit} bytes). Stel je vraag in een paar zinnen."
M062_NOT_PROCESSED = (
    "Sorry, er ging iets mis: je vraag is niet verwerkt. Probeer het over een ogenblik opnieuw; "
    "blijft het misgaan, contacteer dan de helpdesk."
)
M063_NO_SESSION = "Start eerst een gesprek (session_request) en stuur dan je vraag."
M064_BAD_MESSAGE = "Ongeldig bericht: stuur {\"message\": tekst}."
M065_LOGIN_LIMIT = "Te veel mislukte aanmeldpogingen vanaf dit adres. Probeer het over {minutes} minuten opnieuw."
M066_BAD_LENGTH = "Ongeldig verzoek: de lengte (Content-Length) ontbreekt of klopt niet."
M067_BODY_TOO_LARGE = "Het formulier is te groot (meer dan {limit} bytes)."
M068_FOREIGN_ORIGIN = "Dit formulier komt niet van deze pagina."

# the widget's source passages (bot/channels/widget.py: GET /webhooks/widget/passage)
M069_BAD_PASSAGE_REQUEST = "Ongeldig verzoek: geef een document (doc) en een paragraaf (section) op, bv. ?doc=lp&section=3.4.1."
M070_NO_PASSAGE = "Die passage staat niet in de draaiboeken: onbekend document of onbekende paragraaf."
# the review page's sessions (bot/review/app.py)
M071_SESSION_ENDED = "Je sessie is beëindigd: het token waarmee je aangemeld was, is ingetrokken of vervangen. Meld je opnieuw aan met een geldig token."
# Rasa's /restart and /session_start (bot/channels/guard.py)
M072_NEW_CONVERSATION = "Er is een nieuw gesprek gestart. Stel gerust je vraag."
# the Teams channel (bot/channels/teams.py) and its app package (bot/teams_app.py)
M090_CHOSEN = "Je koos: {choice}"
M091_RATED = "Je beoordeelde dit antwoord: {rating}"
M092_WELCOME = "Welkom bij de Draaiboek-assistent."
M093_WELCOME_WHAT = (
    "Stel je vraag over de VDAB-draaiboeken: GLOW, de lokale partnerschappen en hun combinatietrajecten, "
    "de TWE-OCMW-screening, de beroepsverkennende stage (BVS) en het financieringsnummer buiten TWE-OCMW. "
    "Elk antwoord vermeldt het document, de versie en de sectie waar het staat."
)
M094_WELCOME_PRIVACY = "Deel geen persoonsgegevens van cliënten."
M095_WELCOME_CHANNEL = "In een kanaal vermeld je mij in je bericht: @Draaiboek-assistent gevolgd door je vraag."
M096_WELCOME_EXAMPLES = "Probeer bijvoorbeeld:"
#: example questions under the welcome (buttons that ask them); questions, never a rule or number
M097_WELCOME_QUESTIONS = ("wat is een BVS?", "welke combinaties kunnen niet?", "fin nr bvs buiten twe?")
M098_BAD_APP_ID = "De app-id '{value}' is geen GUID (zoals 0f8fad5b-d9cb-469f-a165-70867728950e): gebruik de Application (client) ID van de botregistratie."
M099_BAD_ENDPOINT = "Het berichteneindpunt '{value}' moet een https-adres zijn, zoals https://bot.example.org/webhooks/teams/webhook: Teams stuurt niet naar http."
M100_BAD_URL = "{name} '{value}' moet een https-adres zijn."
M101_BAD_VERSION = "De versie '{value}' moet drie getallen zijn, zoals 1.0.0 (verhoog ze bij elke nieuwe upload)."
M102_BAD_COLOR = "De accentkleur '{value}' moet een HTML-kleurcode zijn, zoals #1A6E3C."
M103_BAD_ICON = "Het pictogram {path} moet een PNG van {size} × {size} pixels zijn{extra}."
M104_MANIFEST_INVALID = "Het manifest voldoet niet aan het Teams-schema {version}: {problems}"
