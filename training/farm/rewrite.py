"""Machine-rewritten copies: what an AI "article rewriter" farm publishes.

From a real article's headline and body it builds the kind of text that
text-generation pipelines of content farms leave behind:

- a reworded SEO title ("...: What You Need to Know") and, often, leftovers of
  the generation step: an "Author: OpenAI" line, a chat-style preamble ("Sure!
  Here is a rewritten version..."), an "As an AI language model" hedge;
- a filler introduction ("In today's fast-paced world...", "In a significant
  development...") about the story's keywords;
- the original's sentences condensed (a share of them dropped, long ones
  skipped), lightly reshuffled, reworded by a few blunt phrase swaps and
  strung together with stock transitions ("Moreover,", "Notably,");
- listicle headings and a "Key Takeaways" bullet list;
- a stock conclusion ("In conclusion,", "Overall,") and often an FAQ tail and
  SEO meta lines.

All stock phrases here were written for this project.
"""

import re

from textutil import lower_first, main_name, paragraphs, sentences, title_case

TITLE_PATTERNS = (
    "{h}: What You Need to Know",
    "{h} \u2013 Everything Explained",
    "Understanding {h}: A Complete Guide",
    "{h}: Key Facts and Insights",
    "Breaking Down the News: {h}",
    "{h} (Full Details Inside)",
    "{h}: 5 Key Takeaways",
    "Explained: {h}",
)

PREAMBLES = (
    "Author: OpenAI",
    "Author: OpenAI\nCategory: News",
    "Author: AI Writer",
    "Written by: ChatGPT",
    "This article was generated with the help of AI.",
    "Sure! Here is a rewritten version of the news article:",
    "Certainly! Below is a unique, SEO-friendly article based on the text you provided.",
    "As an AI language model, I do not have access to real-time news, but here "
    "is an article based on the information provided:",
    "Title: {h}",
)

INTROS = (
    "In today's fast-paced world, keeping up with {topic} can feel overwhelming. "
    "This article breaks down the latest news in simple terms.",
    "In a significant development, {topic} has once again made headlines.",
    "In an era of rapid change, few stories capture public attention quite like "
    "the latest news about {topic}.",
    "Have you heard the latest about {topic}? Here is everything you need to know.",
    "The world is buzzing with news about {topic}, and for good reason.",
    "In the ever-evolving landscape of {field}, a new chapter has just unfolded.",
    "It is no secret that {topic} has been a hot topic lately.",
    "In a surprising turn of events, {topic} is back in the spotlight.",
    "Recent events surrounding {topic} have sparked widespread discussion across "
    "the globe.",
)

FIELDS = ("global affairs", "current events", "public policy", "world news",
          "modern politics", "today's society")

SECTION_HEADINGS = (
    "What Happened?", "Background", "Key Details", "Why Does This Matter?",
    "The Bigger Picture", "Reactions", "What's Next?", "A Closer Look",
    "Understanding the Context", "Important Points to Consider",
)

TRANSITIONS = (
    "Moreover, ", "Furthermore, ", "Additionally, ", "Notably, ",
    "Interestingly, ", "It is worth noting that ", "On top of that, ",
    "In addition, ", "Importantly, ",
)

CONCLUSIONS = (
    "In conclusion, {topic} remains a developing matter that deserves close "
    "attention.",
    "In conclusion, this news highlights just how important it is to stay "
    "informed about {topic}.",
    "Overall, this development shows the importance of staying informed.",
    "Overall, the situation around {topic} continues to evolve, and only time "
    "will tell what happens next.",
    "To sum up, the latest news about {topic} could have far-reaching "
    "consequences.",
    "In conclusion, as the story unfolds, readers are encouraged to stay tuned "
    "for further updates.",
)

CLOSING_TELLS = (
    "I hope this article helps! Let me know if you would like any changes.",
    "Note: As an AI, I cannot verify these events independently.",
    "(Word count: {words})",
    "Meta Description: Learn everything about {k0} and {k1} in this detailed "
    "update.\nFocus Keyword: {k0}",
    "Stay tuned for more updates!",
    "",
)

FAQ_HEADINGS = ("Frequently Asked Questions", "FAQs", "FAQ", "People Also Ask")

GENERIC_ANSWERS = (
    "Stay tuned to our website for the latest updates on this story.",
    "Experts suggest keeping an eye on official announcements.",
    "More details are expected in the coming days.",
)

# Blunt rewording a rewriter applies regardless of sense.
PHRASE_SWAPS = (
    (r"\bsaid\b", "stated"), (r"\bsays\b", "states"),
    (r"\baccording to\b", "as per"), (r"\balso\b", "additionally"),
    (r"\bbecause\b", "due to the fact that"), (r"\bto help\b", "in order to help"),
    (r"\bshowed\b", "demonstrated"), (r"\bbig\b", "huge"),
    (r"\buse\b", "utilize"), (r"\bused\b", "utilized"),
)

MAX_SOURCE_SENTENCES = 40
MAX_SENTENCE_WORDS = 55


def rewrite_article(headline, body, keywords, rng):
    """Return (title, paragraphs) of a machine-rewritten copy."""
    values = fill_values(headline, body, keywords, rng)
    kept = condensed_sentences(body, rng)
    title = rng.choice(TITLE_PATTERNS).format(h=headline)
    style = rng.randint(0, 3)
    parts = preamble(headline, rng)
    parts.append(heading("Introduction", style, 0) if rng.random() < 0.5 else "")
    parts.append(rng.choice(INTROS).format(**values))
    parts += sections(kept, style, rng)
    parts += takeaways(kept, style, rng)
    parts.append(heading("Conclusion", style, 0))
    parts.append(conclusion(values, rng))
    if rng.random() < 0.6:
        parts += faq(kept, values, style, rng)
    tell = rng.choice(CLOSING_TELLS)
    values["words"] = sum(len(p.split()) for p in parts) + rng.randint(40, 160)
    parts.append(tell.format(**values))
    return title, [p for p in parts if p]


def fill_values(headline, body, keywords, rng):
    """What the stock phrases talk about: a name from the story, the quoted
    headline or a vague stand-in, the way generated filler does."""
    keys = list(keywords) + ["this story", "the news"]
    name = main_name(headline + "\n" + body)
    choices = ["\u201c%s\u201d" % headline, "the latest developments", "this story"]
    if name:
        choices += [name, name]
    topic = rng.choice(choices)
    subject = name or rng.choice(("this issue", "this story", "the situation"))
    return {"topic": topic, "subject": subject, "field": rng.choice(FIELDS),
            "k0": keys[0], "k1": keys[1]}


def preamble(headline, rng):
    """Zero to two leftovers of the generation step, at the top."""
    count = rng.choice((0, 1, 1, 2))
    picks = rng.sample(PREAMBLES, count)
    return [p.format(h=headline) for p in picks]


def condensed_sentences(body, rng):
    """The original's sentences, some dropped, reworded, lightly reshuffled."""
    found = []
    for para in paragraphs(body):
        found += [s for s in sentences(para) if len(s.split()) <= MAX_SENTENCE_WORDS]
        if len(found) >= MAX_SOURCE_SENTENCES:
            break
    kept = [s for i, s in enumerate(found) if i < 2 or rng.random() < 0.55]
    for i in range(1, len(kept) - 1):
        if rng.random() < 0.25:
            kept[i], kept[i + 1] = kept[i + 1], kept[i]
    return [reword(s, i > 0, rng) for i, s in enumerate(kept)]


def reword(sentence, may_link, rng):
    """Blunt phrase swaps and, when may_link, sometimes a stock transition."""
    sentence = " ".join(sentence.split())
    for pattern, replacement in PHRASE_SWAPS:
        if rng.random() < 0.7:
            sentence = re.sub(pattern, replacement, sentence)
    if may_link and rng.random() < 0.25 and not sentence.startswith(("\"", "\u201c")):
        sentence = rng.choice(TRANSITIONS) + lower_first(sentence)
    return sentence


def heading(text, style, number):
    if style == 1:
        return "## " + text
    if style == 2 and number:
        return "%d. %s" % (number, text)
    if style == 3:
        return "**%s**" % text
    return text


def sections(kept, style, rng):
    """The kept sentences, grouped under listicle headings."""
    names = rng.sample(SECTION_HEADINGS, min(4, len(SECTION_HEADINGS)))
    per_section = max(2, -(-len(kept) // len(names)))
    parts = []
    for number, start in enumerate(range(0, len(kept), per_section), 1):
        chunk = kept[start:start + per_section]
        parts.append(heading(names[(number - 1) % len(names)], style, number))
        middle = len(chunk) // 2 if len(chunk) > 3 else len(chunk)
        parts.append(" ".join(chunk[:middle]))
        parts.append(" ".join(chunk[middle:]))
    return parts


def takeaways(kept, style, rng):
    """A bullet list of the shortest kept sentences, sometimes."""
    if len(kept) < 4 or rng.random() < 0.4:
        return []
    full = []
    for s in kept:
        if len(s.split()) >= 6 and s not in full:
            full.append(s)
    if len(full) < 3:
        return []
    shortest = sorted(full, key=lambda s: (len(s), full.index(s)))[:3]
    bullet = rng.choice(("- ", "\u2022 ", "\u2705 "))
    return [heading("Key Takeaways", style, 0), "\n".join(bullet + s for s in shortest)]


def conclusion(values, rng):
    first, second = rng.sample(CONCLUSIONS, 2)
    text = first.format(**values)
    if rng.random() < 0.4 and first.split(",")[0] != second.split(",")[0]:
        text += " " + second.format(**values)
    return text


def faq(kept, values, style, rng):
    """A question-and-answer tail built from the kept sentences."""
    questions = (
        ("What is this news about?", kept[0] if kept else rng.choice(GENERIC_ANSWERS)),
        ("Why is %s in the news?" % values["subject"],
         kept[1] if len(kept) > 1 else rng.choice(GENERIC_ANSWERS)),
        ("What happens next?", rng.choice(GENERIC_ANSWERS)),
    )
    lines = [heading(rng.choice(FAQ_HEADINGS), style, 0)]
    form = rng.randint(0, 1)
    for number, (q, a) in enumerate(questions, 1):
        if form == 0:
            lines.append("Q%d: %s\nA: %s" % (number, title_case(q) if style == 3 else q, a))
        else:
            lines.append("%d. %s\n%s" % (number, q, a))
    return lines
