"""Invented content-farm sites and the page furniture they wrap copied text in.

Each of the 26 fictional sites below has a house style: one fixed choice per
furniture slot (share widget, byline, breadcrumb, category and tag lines,
"Read more" wording, teaser block, cookie and newsletter residue, SEO keyword
line, footer), a fixed order of the slots and its own category names and
author names. The choices are drawn once from a stream seeded by the site's
name, so a site looks the same in every run, and sites differ from each other
so that no single template can be learned as "the" content-farm page.

Every site name, string and template here was written for this project; none
is copied from a real site.
"""

from textutil import rng_for, title_case

SITE_NAMES = (
    "Newzora Hub", "TrendQuill Daily", "Buzzlantic", "Headlyne Express",
    "QuikFeed Global", "Zapnews247", "InfoNimbus", "ViralCrate News",
    "Newsprout Live", "Kliktastic Times", "Storyvault Today", "GlobeSnack",
    "Updato World", "PulseMarrow", "Feedmorrow Wire", "Briefloop",
    "Trendanza", "HotTopix Daily", "NewsBento", "Scoopwave 360",
    "Chattermint", "Yellowkite Post", "Lumenbuzz Media", "Rapidoria News",
    "Clickhaven", "NovaTattle",
)

CATEGORY_POOL = (
    "World", "Trending", "Politics", "Viral", "Business", "Latest News",
    "Top Stories", "Breaking", "US News", "Global", "Economy", "Featured",
    "Headlines", "Must Read", "News Today", "International", "Hot Topics",
    "Uncategorized", "Editor's Pick", "Daily Digest",
)

AUTHOR_POOL = (
    "admin", "News Desk", "Staff Writer", "Web Desk", "Editorial Team",
    "Mira Quenby", "Tobias Wrenfield", "Sana Oduya", "Kelvin Marlow",
    "Priya Dastane", "Jonah Pelletree", "Lucia Varrow", "Dev Kanthari",
    "Hollis Greave", "Ayo Brennick", "Team {site}", "{site} Bureau",
)

SHARE_WIDGETS = (
    "Spread the love",
    "Spread the love\n\nShare on Facebook  |  Tweet  |  WhatsApp  |  Telegram",
    "Share this:\nFacebook | X | LinkedIn | Pinterest | Email | Print",
    "{shares} Shares\nFacebook Twitter Pinterest WhatsApp",
    "Spread the love\n{shares} shares",
    "SHARE: f  t  in  p  \u2709",
    "Click to share: Facebook \u00b7 WhatsApp \u00b7 Reddit \u00b7 Copy link",
    "Share the love \u2764 Facebook Twitter Telegram",
)

BYLINES = (
    "By {author}",
    "Posted by {author} on {date}",
    "{author} | {date} | {minutes} min read",
    "Published {date} by {author}",
    "Written by {author} \u2022 Updated {hours} hours ago",
    "{date} \u2014 {author} \u2014 {views} views",
    "Last updated: {date}\nAuthor: {author}",
    "by {author} \u00b7 {minutes} minutes read",
)

BREADCRUMBS = (
    "Home \u00bb {category} \u00bb {short}",
    "Home / {category} / {short}",
    "You are here: Home > {category}",
    "{category_upper}",
    "Home \u203a {category}",
    "",
)

CATEGORY_LINES = (
    "Categories: {categories}",
    "Posted in {categories}",
    "Filed Under: {categories}",
    "Category: {categories}",
    "In: {categories}",
)

TAG_LINES = (
    "Tags: {tags}",
    "Tagged {tags}",
    "TAGS {tags_upper}",
    "{hashtags}",
    "Topics: {tags}",
)

READ_MORE = (
    "Read more: {title}",
    "Also read: {title}",
    "ALSO READ | {title}",
    "READ ALSO: {title}",
    "Must read: {title}",
    "Related: {title}",
    "Read more \u00bb {title}",
    "Don't miss: {title}",
)

TEASER_HEADINGS = (
    "Related Posts", "You May Also Like", "Trending Now", "Don't Miss",
    "Recommended for you", "More From {site}", "Popular This Week",
    "Latest Stories", "What Others Are Reading",
)

COOKIE_LINES = (
    "We use cookies to give you the best experience on our website. By "
    "continuing you agree to our use of cookies. Accept",
    "This site stores small files on your device to improve browsing. OK, got it",
    "Cookies help us deliver our news. Learn more | Accept all | Reject",
    "By using {site} you consent to cookies and our privacy terms. Close",
    "Our partners and we use cookies for ads and analytics. Manage options | Agree",
)

NEWSLETTER_LINES = (
    "Subscribe to our newsletter and never miss a trending story!\nEnter your email  Subscribe",
    "Get the latest headlines straight to your inbox. Join {readers} readers.",
    "Sign up for {site} Daily. No spam, unsubscribe anytime.",
    "Want more stories like this? Turn on notifications \U0001F514",
    "Follow {site} on Google News for fast updates.",
    "Join our Telegram channel for breaking updates every hour.",
)

SEO_LINES = (
    "Keywords: {k0} news, {k0} latest update, {k0} {k1}, {k1} today, {k2} {year}",
    "Search terms: {k0}, {k0} {k1} news, latest {k1} updates, {k2} explained",
    "{k0} | {k1} | {k2} | breaking news | trending {year}",
    "Related searches: what happened {k0}, {k1} news today, {k2} update",
    "SEO: {k0} {k1} {k2} news latest today {year}",
)

FOOTERS = (
    "\u00a9 {year} {site}. All Rights Reserved.",
    "\u00a9 {site} {year} | Privacy Policy | Terms of Use | DMCA | Contact Us",
    "Copyright {year} {site} \u2014 Powered by WordPress | Theme by Pixelloom",
    "About Us | Disclaimer | Advertise | Privacy \u00a9 {year} {site}",
    "{site} \u2014 your daily dose of news. \u00a9 {year}",
)

DISCLAIMERS = (
    "Disclaimer: This story is auto-published from a syndicated feed and has "
    "not been edited by {site} staff.",
    "Source link",
    "This post {title} was first published on {site}.",
    "Note: The content above is for informational purposes only.",
    "Image: representative file photo",
    "",
)

COMMENT_RESIDUE = (
    "Leave a comment\nYour email will not be shown. Fields marked * are required.\nName*  Email*  Post Comment",
    "0 Comments\nBe the first to comment on this story!",
    "Comments are closed for this post.",
    "What do you think? Share your views below \U0001F447",
    "",
)

AD_MARKERS = (
    "Advertisement", "ADVERTISEMENT", "- Advertisement -", "Sponsored",
    "Continue reading below", "AD",
)

# Headlines a farm fills its side bars with when its own stock runs short.
FILLER_TEASERS = (
    "10 Kitchen Tricks Your Grandmother Never Told You",
    "This Simple Morning Habit Could Change Your Whole Day",
    "Experts Reveal the Best Time to Buy a Used Car",
    "You Won't Believe What This Old Coin Is Worth Now",
    "7 Signs You Need a Vacation Right Now",
    "Doctors Are Surprised by This Everyday Snack",
    "The One Phone Setting Everyone Should Turn Off Today",
    "How to Save Money on Groceries Without Coupons",
    "Celebrities Who Quietly Left the Spotlight",
    "Why Everyone Is Talking About This Budget Gadget",
    "Is Your Houseplant Secretly Unhappy? Look for These Signs",
    "Travel Hacks Airlines Would Rather You Didn't Know",
)

# The slots of a page, in the order a site may place them.
HEAD_SLOTS = ("breadcrumb", "headline", "byline", "share")
TAIL_SLOTS = ("read_more", "disclaimer", "categories", "tags", "share_again",
              "teasers", "comments", "newsletter", "seo", "cookie", "footer")


class Site:
    """One invented content-farm site and its fixed house furniture."""

    def __init__(self, name):
        rng = rng_for("site", name)
        self.name = name
        self.share = rng.choice(SHARE_WIDGETS)
        self.byline = rng.choice(BYLINES)
        self.breadcrumb = rng.choice(BREADCRUMBS)
        self.category_line = rng.choice(CATEGORY_LINES)
        self.tag_line = rng.choice(TAG_LINES)
        self.read_more = rng.choice(READ_MORE)
        self.teaser_heading = rng.choice(TEASER_HEADINGS)
        self.cookie = rng.choice(COOKIE_LINES)
        self.newsletter = rng.choice(NEWSLETTER_LINES)
        self.seo = rng.choice(SEO_LINES)
        self.footer = rng.choice(FOOTERS)
        self.disclaimer = rng.choice(DISCLAIMERS)
        self.comments = rng.choice(COMMENT_RESIDUE)
        self.ad_marker = rng.choice(AD_MARKERS)
        self.categories = rng.sample(CATEGORY_POOL, 5)
        self.authors = [a.format(site=name) for a in rng.sample(AUTHOR_POOL, 3)]
        self.teaser_count = rng.randint(3, 6)
        self.inline_every = rng.randint(2, 5)
        self.date_style = rng.randint(0, 2)
        self.tail = list(TAIL_SLOTS)
        rng.shuffle(self.tail)
        self.head = list(HEAD_SLOTS)
        if rng.random() < 0.5:
            self.head[2], self.head[3] = self.head[3], self.head[2]

    def format_date(self, year, month, day):
        months = ("January", "February", "March", "April", "May", "June", "July",
                  "August", "September", "October", "November", "December")
        if self.date_style == 0:
            return "%s %d, %d" % (months[month - 1], day, year)
        if self.date_style == 1:
            return "%02d/%02d/%d" % (day, month, year)
        return "%d-%02d-%02d" % (year, month, day)


SITES = tuple(Site(name) for name in SITE_NAMES)


def page_values(site, headline, keywords, date, rng):
    """The per-page values the furniture templates are filled with."""
    year, month, day = date
    keys = (list(keywords) + ["news", "update", "latest"])[:3]
    category = rng.choice(site.categories)
    cats = [category] + [c for c in rng.sample(site.categories, 2) if c != category]
    return {
        "site": site.name, "title": headline, "year": year,
        "author": rng.choice(site.authors), "date": site.format_date(year, month, day),
        "minutes": rng.randint(2, 9), "hours": rng.randint(1, 23),
        "views": rng.randint(120, 98000), "shares": rng.randint(0, 640),
        "readers": "{:,}".format(rng.randint(5, 250) * 1000),
        "category": category, "category_upper": category.upper(),
        "short": " ".join(headline.split()[:6]) + ("..." if len(headline.split()) > 6 else ""),
        "categories": ", ".join(cats),
        "tags": ", ".join(title_case(k) for k in keywords) or "News",
        "tags_upper": " ".join(k.upper() for k in keywords) or "NEWS",
        "hashtags": " ".join("#" + k.replace(" ", "").replace("-", "") for k in keywords) or "#news",
        "k0": keys[0], "k1": keys[1], "k2": keys[2],
    }


def teaser_block(site, teasers, values):
    lines = [site.teaser_heading.format(**values)]
    lines += ["\u2022 " + t for t in teasers]
    return "\n".join(lines)


def body_with_inserts(site, paragraphs, teasers, values, rng):
    """Paragraphs with the site's ad markers and inline "Also read" links."""
    out = []
    inline = list(teasers)
    for i, para in enumerate(paragraphs):
        out.append(para)
        if i + 1 < len(paragraphs) and (i + 1) % site.inline_every == 0:
            if inline and rng.random() < 0.6:
                out.append(site.read_more.format(title=inline.pop(0)))
            elif rng.random() < 0.5:
                out.append(site.ad_marker)
    return out


def wrap_page(site, headline, paragraphs, teasers, keywords, date, rng):
    """The text a scraper of `site` would publish for this article."""
    values = page_values(site, headline, keywords, date, rng)
    inline = teasers[:2]
    side = teasers[2:2 + site.teaser_count] or teasers[:site.teaser_count]
    head_parts = {
        "breadcrumb": site.breadcrumb.format(**values),
        "headline": headline,
        "byline": site.byline.format(**values),
        "share": site.share.format(**values),
    }
    tail_parts = {
        "read_more": site.read_more.format(title=teasers[-1]) if teasers else "",
        "disclaimer": site.disclaimer.format(**values),
        "categories": site.category_line.format(**values),
        "tags": site.tag_line.format(**values),
        "share_again": site.share.format(**values) if rng.random() < 0.4 else "",
        "teasers": teaser_block(site, side, values) if side else "",
        "comments": site.comments,
        "newsletter": site.newsletter.format(**values),
        "seo": site.seo.format(**values),
        "cookie": site.cookie.format(**values),
        "footer": site.footer.format(**values),
    }
    blocks = [head_parts[s] for s in site.head if keep_slot(s, rng)]
    blocks += body_with_inserts(site, paragraphs, inline, values, rng)
    blocks += [tail_parts[s] for s in site.tail if keep_slot(s, rng)]
    return "\n\n".join(b for b in blocks if b)


def keep_slot(slot, rng):
    """Pages of one site still vary: most slots are sometimes missing."""
    if slot == "headline":
        return True
    return rng.random() < 0.8
