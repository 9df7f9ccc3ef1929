"""Word-level "article spinning": thesaurus substitution in place.

Spinner tools swap words for entries of a synonym table without reading the
sentence, so fixed phrases break: "Prime Minister" becomes "Top Minister",
"Gaza City" becomes "Gaza Town", "meet Putin" becomes "fulfill Putin". This
module does the same, deterministically for a given random stream:

- every word token keeps its position: one word is replaced by one word (a
  hyphenated word counts as one), and the text between words is untouched, so
  the spun text has exactly the original's token count;
- function words and short words are never touched, nor capitalised words
  that the thesaurus also knows as names ("Graham", "Carter");
- words of common news collocations (the spinner table below) are swapped
  more often than other words, capitalised or not: that is where the
  tell-tale errors come from; so are other capitalised words inside
  multi-word names when the same text also uses them in lower case (a common
  word: "Opportunity Zone"); other capitalised words (mostly people's and
  places' names: "Donald Trump") only rarely;
- candidates come from a small spinner table written for this project
  (SPINNER_TABLE) and then from the thesaurus, earlier entries more likely;
- simple inflections (-s, -es, -ies, -ed, -ing) are stripped before look-up and
  put back crudely on the synonym, as spinners do;
- letter case is copied from the original word.

spin_text() returns the spun text and the substitutions made, in text order,
as [original, replacement] pairs.
"""

import re

from textutil import STOPWORDS, WORD_RE

# The project's own "spinner database": words that sit inside fixed news
# collocations, with the blunt swaps a spinner's table would offer.
SPINNER_TABLE = {
    "prime": ("top", "leading", "key"),
    "minister": ("priest", "pastor", "clergyman"),
    "city": ("town", "metropolis"),
    "meet": ("fulfill", "satisfy", "encounter"),
    "white": ("pale", "snowy"),
    "house": ("home", "residence"),
    "state": ("nation", "province"),
    "united": ("joined", "combined"),
    "nations": ("countries", "peoples"),
    "security": ("safety", "protection"),
    "council": ("panel", "assembly"),
    "supreme": ("ultimate", "highest"),
    "court": ("tribunal", "courtyard"),
    "foreign": ("overseas", "alien"),
    "affairs": ("matters", "issues"),
    "press": ("push", "media"),
    "conference": ("convention", "summit"),
    "interest": ("curiosity", "fascination"),
    "rate": ("charge", "price"),
    "stock": ("inventory", "supply"),
    "market": ("marketplace", "bazaar"),
    "rights": ("privileges", "entitlements"),
    "climate": ("weather", "local weather"),
    "change": ("alteration", "modification"),
    "police": ("cops", "constabulary"),
    "officer": ("official", "policeman"),
    "general": ("basic", "common"),
    "secretary": ("assistant", "clerk"),
    "election": ("vote", "poll"),
    "campaign": ("crusade", "drive"),
    "bill": ("invoice", "expense"),
    "law": ("legislation", "regulation"),
    "health": ("wellness", "well-being"),
    "care": ("attention", "consideration"),
    "national": ("nationwide", "countrywide"),
    "public": ("community", "open"),
    "opinion": ("viewpoint", "feeling"),
    "chief": ("main", "principal"),
    "executive": ("administrator", "manager"),
    "vice": ("deputy", "sin"),
    "president": ("chairman", "head"),
    "spokesman": ("speaker", "representative"),
    "reporters": ("journalists", "correspondents"),
    "officials": ("authorities", "officers"),
    "attack": ("assault", "onslaught"),
    "wounded": ("injured", "hurt"),
    "people": ("individuals", "folks"),
    "talks": ("discussions", "negotiations"),
    "deal": ("cope", "bargain"),
    "strike": ("hit", "smack"),
    "forces": ("powers", "drives"),
    "economy": ("financial system", "thrift"),
    "growth": ("progress", "development"),
    "official": ("formal", "authorized"),
    "statement": ("assertion", "declaration"),
    "region": ("area", "territory"),
    "capital": ("money", "funds"),
    "leader": ("boss", "chief"),
    "party": ("celebration", "get-together"),
    "parliament": ("legislature", "assembly"),
    "republic": ("democracy", "commonwealth"),
    "news": ("information", "tidings"),
    "middle": ("center", "mid"),
    "east": ("orient", "eastward"),
    "west": ("occident", "westward"),
    "bank": ("lender", "depository"),
    "world": ("globe", "planet"),
    "central": ("core", "main"),
    "federal": ("national", "governmental"),
    "reserve": ("save", "hold"),
    "union": ("merger", "unification"),
    "department": ("division", "section"),
    "justice": ("fairness", "equity"),
    "defense": ("protection", "defence"),
    "intelligence": ("intellect", "brains"),
    "agency": ("bureau", "company"),
    "senior": ("elderly", "older"),
    "top": ("prime", "high"),
    "key": ("essential", "crucial"),
    "fire": ("blaze", "flame"),
    "record": ("file", "document"),
    "high": ("excessive", "tall"),
    "breaking": ("splitting", "cracking"),
    "round": ("circular", "spherical"),
    "head": ("skull", "lead"),
    "hold": ("grip", "keep"),
    "office": ("workplace", "agency"),
    "committee": ("panel", "board"),
    "leadership": ("management", "direction"),
    "military": ("armed forces", "navy"),
    "troops": ("soldiers", "squads"),
    "trade": ("commerce", "swap"),
    "war": ("battle", "combat"),
    "peace": ("calm", "tranquility"),
}

# Words whose swap breaks a fixed phrase: swapped more often.
COLLOCATION_BOOST = 3.0
# Words inside a capitalised multi-word name ("Gaza City"): swapped more often.
NAME_PART_BOOST = 2.5
# A lone capitalised word mid-sentence is usually a person's or place's name.
LONE_NAME_FACTOR = 0.15
# How many of a word's candidates a spinner realistically picks from.
CANDIDATES_CONSIDERED = 6

SPIN_WORD_RE = re.compile(r"^[A-Za-z]+(?:-[A-Za-z]+)*$")


def spin_text(text, table, rng, rate):
    """Spin a text: return (spun_text, [[original, replacement], ...])."""
    out = []
    spins = []
    last = 0
    tokens = list(WORD_RE.finditer(text))
    lowercase_words = set(m.group(0) for m in tokens if m.group(0).islower())
    for index, match in enumerate(tokens):
        word = match.group(0)
        out.append(text[last:match.start()])
        last = match.end()
        chance = rate * context_weight(text, tokens, index, table, lowercase_words)
        replacement = None
        if chance > 0 and rng.random() < chance:
            replacement = substitute(word, table, rng)
        if replacement:
            spins.append([word, replacement])
            out.append(replacement)
        else:
            out.append(word)
    out.append(text[last:])
    return "".join(out), spins


def context_weight(text, tokens, index, table, lowercase_words):
    """How much likelier than the base rate this token is to be swapped."""
    word = tokens[index].group(0)
    low = word.lower()
    if len(low) < 3 or low in STOPWORDS or "'" in low or "\u2019" in low:
        return 0.0
    if low in SPINNER_TABLE:
        return COLLOCATION_BOOST
    if word[0].isupper() and low in table.proper:
        return 0.0
    if word[0].isupper() and not word.isupper():
        common = low in lowercase_words
        if in_capitalised_name(text, tokens, index):
            return NAME_PART_BOOST if common else LONE_NAME_FACTOR
        if not starts_sentence(text, tokens, index):
            return LONE_NAME_FACTOR
    return 1.0


def in_capitalised_name(text, tokens, index):
    """True when a capitalised neighbour is joined to this word by one space."""
    for other in (index - 1, index + 1):
        if 0 <= other < len(tokens):
            a, b = sorted((tokens[index], tokens[other]), key=lambda m: m.start())
            neighbour = tokens[other].group(0)
            gap = text[a.end():b.start()]
            if gap == " " and neighbour[0].isupper() and neighbour.lower() not in STOPWORDS:
                return True
    return False


def starts_sentence(text, tokens, index):
    if index == 0:
        return True
    gap = text[tokens[index - 1].end():tokens[index].start()]
    return any(c in gap for c in ".!?\n:\"\u201c")


def substitute(word, table, rng):
    """A replacement for one word (case and rough inflection kept), or None."""
    base, suffix = lemma(word.lower(), table)
    if base is None:
        return None
    longest = max(len(base) + 4, 8)
    candidates = [c for c in candidates_for(base, table)
                  if " " not in c and len(c) <= longest]
    if not candidates:
        return None
    weights = [1.0 / (1 + i) for i in range(len(candidates))]
    choice = rng.choices(candidates, weights=weights)[0]
    replacement = match_case(word, inflect(choice, suffix))
    if not SPIN_WORD_RE.match(replacement) or replacement.lower() == word.lower():
        return None
    return replacement


def candidates_for(base, table):
    found = list(SPINNER_TABLE.get(base, ()))
    for synonym in table.get(base, ())[:CANDIDATES_CONSIDERED]:
        if synonym not in found:
            found.append(synonym)
    return found[:CANDIDATES_CONSIDERED]


def known(base, table):
    return base in SPINNER_TABLE or base in table


def lemma(low, table):
    """(base form found in a table, suffix to put back) or (None, "")."""
    if known(low, table):
        return low, ""
    tries = []
    if low.endswith("ies"):
        tries.append((low[:-3] + "y", "s"))
    if low.endswith("es"):
        tries.append((low[:-2], "s"))
    if low.endswith("s") and not low.endswith("ss"):
        tries.append((low[:-1], "s"))
    if low.endswith("ed"):
        tries += [(low[:-1], "ed"), (low[:-2], "ed"), (low[:-3], "ed")]
    if low.endswith("ing"):
        tries += [(low[:-3], "ing"), (low[:-3] + "e", "ing"), (low[:-4], "ing")]
    for base, suffix in tries:
        if len(base) > 2 and known(base, table):
            return base, suffix
    return None, ""


def inflect(base, suffix):
    """Crude re-inflection, the way spinners do it ("fulfill" -> "fulfilled")."""
    if not suffix:
        return base
    if suffix == "s":
        if base.endswith("y") and base[-2:-1] not in "aeiou":
            return base[:-1] + "ies"
        if base.endswith(("s", "x", "ch", "sh")):
            return base + "es"
        return base + "s"
    if suffix == "ed":
        return base + "d" if base.endswith("e") else base + "ed"
    if base.endswith("e") and not base.endswith("ee"):
        return base[:-1] + "ing"
    return base + "ing"


def match_case(original, replacement):
    if original.isupper() and len(original) > 1:
        return replacement.upper()
    if original[0].isupper():
        return replacement[0].upper() + replacement[1:]
    return replacement
