//! What one line looks like on its own: the context-free half of the
//! classifier (jusText's "cf class"), plus the page-furniture detectors.

use super::segment::char_count;
use super::stopwords::{StopWords, LANGUAGES};
use super::types::{ClassifierConfig, Reason};

/// Measurements of one line, taken in one pass over its words.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Features {
    /// Unicode scalar values.
    pub chars: usize,
    /// Whitespace-separated tokens holding a letter or digit.
    pub words: usize,
    /// For each shipped language, how many words are in its stop-word list.
    pub hits: [usize; LANGUAGES],
    /// Every word of four letters or more is capitalised ("European
    /// Edition", "Communists Refuse to Go Ahead"), as in menus and titles;
    /// figures have no case, but a line of two figures or more that are a
    /// quarter of its words is a table's row ("Revs 29.2 mln vs 29.3 mln"),
    /// not a title; a title may carry one number ("Little Dorrit, Excerpt
    /// 7"), as a row compares two.
    pub title_case: bool,
    /// The line ends like a sentence (`.`, `!`, `?`, `…`, `;`), closing
    /// quotes and brackets aside.
    pub terminal: bool,
}

/// A short title-like line needs this many words to count as a heading;
/// shorter ones ("World", "Image maker", "(Agencies)") are section labels
/// and never get a heading's benefit.
const HEADING_MIN_WORDS: usize = 3;
/// The furniture detectors only look at lines up to this many words:
/// share bars, datelines and salutations are short.
const FURNITURE_MAX_WORDS: usize = 15;

impl Features {
    pub(crate) fn of(text: &str, stop: &mut StopWords) -> Features {
        let mut f = Features { chars: char_count(text), ..Features::default() };
        let (mut long, mut long_capitalised, mut figures) = (0, 0, 0);
        for word in words(text) {
            f.words += 1;
            figures += usize::from(word.starts_with(|c: char| c.is_ascii_digit()));
            let mask = stop.mask(word);
            for (lang, hits) in f.hits.iter_mut().enumerate() {
                *hits += usize::from(mask & (1 << lang) != 0);
            }
            // Figures ("1987", "4.5") have no case: they neither make nor
            // break a title ("Brunswick Sees Higher 1987 First Quarter").
            let mut chars = word.chars();
            let first = chars.next().filter(|c| c.is_alphabetic());
            if first.is_some() && chars.nth(2).is_some() {
                long += 1;
                long_capitalised += usize::from(first.is_some_and(char::is_uppercase));
            }
        }
        f.title_case =
            long > 0 && long == long_capitalised && (figures < 2 || 4 * figures < f.words);
        f.terminal = ends_sentence(text);
        f
    }
}

/// The words of `text`: whitespace-separated tokens stripped of leading and
/// trailing punctuation, skipping tokens with no letter or digit.
pub(crate) fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split_whitespace()
        .map(|t| t.trim_matches(|c: char| !c.is_alphanumeric()))
        .filter(|w| !w.is_empty())
}

fn ends_sentence(text: &str) -> bool {
    let body = text.trim_end_matches(['"', '\'', '\u{201d}', '\u{2019}', '\u{bb}', ')', ']', '}']);
    body.ends_with(['.', '!', '?', '\u{2026}', ';', '\u{3002}', '\u{ff01}', '\u{ff1f}', '\u{ff1b}'])
}

/// jusText's context-free classes, with one addition: a short line that
/// does not end like a sentence is [`Cf::Weak`], not [`Cf::Short`]. Titles,
/// labels and menu items look like that; in a teaser block ("E-paper / Image
/// maker / Changing fortunes") they must count as boilerplate when the
/// neighbours of a near-good line are weighed, or jusText keeps the block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Cf {
    /// Long prose: at least `length_high` characters, stop-word dense.
    Good,
    /// Prose, but shorter or with fewer stop words: decided by context.
    NearGood,
    /// A short sentence (dialogue, a one-line paragraph): decided by context.
    Short,
    /// A short line with no sentence ending: boilerplate unless it heads
    /// content that follows within `max_heading_distance`.
    Weak {
        /// `Short` or `LinkList`.
        reason: Reason,
        /// Long enough to be a headline.
        heading: bool,
    },
    /// Boilerplate on its own evidence; context does not change it.
    Bad(Reason),
}

/// The class of one line judged on its own. `lang` is the document's
/// stop-word list, or `None` to skip the stop-word test.
pub(crate) fn context_free(
    text: &str,
    f: &Features,
    lang: Option<usize>,
    cfg: &ClassifierConfig,
) -> Cf {
    if f.words == 0 {
        // Rules such as "* * *" or "-----": separators, judged by context.
        return Cf::Short;
    }
    if is_data_blob(text) {
        return Cf::Bad(Reason::DataBlob);
    }
    if f.words <= FURNITURE_MAX_WORDS {
        if is_reader_salutation(text) {
            return Cf::Bad(Reason::Notice);
        }
        if is_share_bar(text) {
            return Cf::Bad(Reason::ShareBar);
        }
        if is_timestamp(text) {
            return Cf::Bad(Reason::Timestamp);
        }
    }
    if !f.terminal && is_separated_menu(text) {
        return Cf::Bad(Reason::LinkList);
    }
    if f.chars < cfg.length_low {
        if f.terminal {
            return Cf::Short;
        }
        let reason = if f.title_case { Reason::LinkList } else { Reason::Short };
        return Cf::Weak { reason, heading: f.words >= HEADING_MIN_WORDS };
    }
    let density = lang.map_or(1.0, |l| f.hits[l] as f64 / f.words as f64);
    if density < cfg.stopwords_low {
        Cf::Bad(Reason::LowStopwordDensity)
    } else if density >= cfg.stopwords_high && f.chars >= cfg.length_high {
        Cf::Good
    } else {
        Cf::NearGood
    }
}

/// Serialized data or markup: a PHP `var_dump` (`string(1527) "[{...`),
/// JSON or HTML syntax at two or more pairs like `":` or `</` per hundred
/// characters, or a line made mostly of tokens of 40+ ASCII characters
/// (base64, hashes, URLs). Prose has none of these pairs; dialogue puts
/// quotes next to letters, spaces and commas, not next to `:`, `{` or `=`.
pub(crate) fn is_data_blob(text: &str) -> bool {
    if has_var_dump(text) {
        return true;
    }
    let bytes = text.as_bytes();
    let non_ws = bytes.iter().filter(|b| !b.is_ascii_whitespace()).count();
    if non_ws < 30 {
        return false;
    }
    let pairs = bytes.windows(2).filter(|w| is_code_pair(w[0], w[1])).count();
    if pairs * 100 >= 2 * non_ws {
        return true;
    }
    let machine: usize = text
        .split_whitespace()
        .filter(|t| t.len() >= 40 && t.is_ascii() && t.bytes().any(|b| b.is_ascii_alphanumeric()))
        .map(str::len)
        .sum();
    machine * 2 >= non_ws
}

fn is_code_pair(a: u8, b: u8) -> bool {
    matches!(
        (a, b),
        (b'"', b':')
            | (b'{', b'"')
            | (b'"', b'}')
            | (b'[', b'{')
            | (b'}', b']')
            | (b'}', b',')
            | (b'=', b'"')
            | (b'"', b'>')
            | (b'<', b'/')
            | (b'/', b'>')
            | (b'=', b'>')
            | (b';', b'}')
            | (b')', b'{')
    )
}

fn has_var_dump(text: &str) -> bool {
    // Found by their parenthesis, which is rare in prose: one fast scan.
    text.match_indices('(').any(|(i, _)| {
        let (before, after) = (&text[..i], &text[i + 1..]);
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        let rest = &after[digits..];
        digits > 0
            && ((before.ends_with("string") && rest.starts_with(") \""))
                || (before.ends_with("array") && rest.starts_with(") {")))
    })
}

/// Whether `word` lowercased equals one of `list` (which is lowercase),
/// without allocating.
fn lower_in(word: &str, list: &[&str]) -> bool {
    if word.is_ascii() {
        // The common case, and a fast one: lengths are compared first.
        return list.iter().any(|w| w.eq_ignore_ascii_case(word));
    }
    list.iter().any(|w| word.chars().flat_map(char::to_lowercase).eq(w.chars()))
}

/// "Dear reader," and its kin in the shipped languages: the opening of a
/// notice to readers (comments closed, paywall, cookies), whose sentences
/// read like prose and so need a rule of their own. Books in the Gutenberg
/// sample never put such a salutation on a line by itself.
pub(crate) fn is_reader_salutation(text: &str) -> bool {
    const SALUTATIONS: &[&str] = &[
        "dear",
        "liebe",
        "lieber",
        "liebes",
        "cher",
        "chère",
        "chers",
        "chères",
        "querido",
        "querida",
        "queridos",
        "queridas",
        "estimado",
        "estimada",
        "estimados",
        "caro",
        "cara",
        "cari",
        "care",
        "beste",
        "geachte",
    ];
    const READERS: &[&str] = &[
        "reader",
        "readers",
        "user",
        "users",
        "visitor",
        "visitors",
        "subscriber",
        "subscribers",
        "customer",
        "customers",
        "leser",
        "leserin",
        "leserinnen",
        "nutzer",
        "nutzerinnen",
        "besucher",
        "lecteur",
        "lecteurs",
        "lectrice",
        "lectrices",
        "utilisateur",
        "utilisateurs",
        "abonné",
        "abonnés",
        "lector",
        "lectora",
        "lectores",
        "lectoras",
        "usuario",
        "usuarios",
        "lettore",
        "lettori",
        "lettrice",
        "lettrici",
        "utente",
        "utenti",
        "leitor",
        "leitora",
        "leitores",
        "leitoras",
        "lezer",
        "lezers",
        "bezoeker",
        "bezoekers",
        "gebruiker",
        "gebruikers",
    ];
    let mut it = words(text);
    let Some(first) = it.next() else { return false };
    let rest: [Option<&str>; 4] = std::array::from_fn(|_| it.next());
    lower_in(first, SALUTATIONS)
        && rest[3].is_none()
        && rest.iter().flatten().any(|w| lower_in(w, READERS))
}

/// A bar of sharing and social-network links ("Twitter Facebook Myspace
/// Yahoo! Linkedin Mixx", "Share this article", "Print Email"): every word a
/// network, a sharing verb or a filler word, or at least two network words
/// making up 60% of the line.
pub(crate) fn is_share_bar(text: &str) -> bool {
    const SHARE: &[&str] = &[
        "twitter",
        "facebook",
        "myspace",
        "yahoo",
        "linkedin",
        "mixx",
        "digg",
        "reddit",
        "stumbleupon",
        "delicious",
        "google",
        "pinterest",
        "tumblr",
        "whatsapp",
        "telegram",
        "viber",
        "vk",
        "vkontakte",
        "odnoklassniki",
        "weibo",
        "wechat",
        "qzone",
        "instagram",
        "youtube",
        "email",
        "e-mail",
        "mail",
        "print",
        "share",
        "tweet",
        "pin",
        "sms",
        "rss",
        "messenger",
        "pocket",
        "flipboard",
        "newsvine",
        "fark",
        "technorati",
        "bookmark",
        "livejournal",
        "xing",
        "evernote",
    ];
    const FILLER: &[&str] = &[
        "this", "on", "via", "the", "article", "story", "page", "post", "us", "follow", "with",
        "friends", "friend", "a", "to", "it", "and", "or", "by", "your", "link", "copy",
    ];
    let (mut share, mut other, mut total) = (0, 0, 0);
    for w in words(text) {
        total += 1;
        if lower_in(w, SHARE) {
            share += 1;
        } else if !lower_in(w, FILLER) {
            other += 1;
        }
    }
    share >= 1 && (other == 0 || (share >= 2 && share * 5 >= total * 3))
}

/// A dateline or weather box with little else: "Updated: 2011-04-23 17:57",
/// "Thu Nov 24, 2016 22:25:10", "MIN +17", "Thunderstorms / 08:01 AM /
/// Traffic". It needs one clock time, numeric date, signed number or
/// temperature, and at most two other words, making up at most half of it.
pub(crate) fn is_timestamp(text: &str) -> bool {
    if !text.bytes().any(|b| b.is_ascii_digit()) {
        return false;
    }
    const DATE_WORDS: &[&str] = &[
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "mon",
        "tue",
        "tues",
        "wed",
        "thu",
        "thur",
        "thurs",
        "fri",
        "sat",
        "sun",
        "am",
        "pm",
        "a.m",
        "p.m",
        "gmt",
        "utc",
        "bst",
        "cet",
        "cest",
        "est",
        "edt",
        "cst",
        "cdt",
        "mst",
        "mdt",
        "pst",
        "pdt",
        "msk",
        "updated",
        "update",
        "posted",
        "published",
        "modified",
        "created",
        "last",
        "date",
        "time",
        "on",
        "at",
        "min",
        "max",
        "today",
        "yesterday",
        "ago",
        "hour",
        "hours",
        "minute",
        "minutes",
        "mins",
        "hr",
        "hrs",
        "h",
        "aktualisiert",
        "uhr",
        "publié",
        "actualizado",
        "publicado",
        "aggiornato",
        "pubblicato",
    ];
    let (mut strong, mut other, mut total) = (0, 0, 0);
    for token in text.split_whitespace() {
        let t = token.trim_matches([',', '.', ';', ':', '(', ')', '[', ']', '|', '"', '\'']);
        if t.is_empty() || t.chars().all(|c| "/-\u{2013}\u{2014}|\u{b7}\u{2022}".contains(c)) {
            continue;
        }
        total += 1;
        if is_clock_or_date(t) {
            strong += 1;
        } else if !t.bytes().all(|b| b.is_ascii_digit()) && !lower_in(t, DATE_WORDS) {
            other += 1;
        }
    }
    strong >= 1 && other <= 2 && other * 2 <= total
}

/// `17:57`, `08:01am`, `22:25:10`, `2011-04-23`, `07/27/2016`, `+17`,
/// `-3.5`, `28°`, `28°C`.
fn is_clock_or_date(t: &str) -> bool {
    is_clock(t) || ['-', '/', '.'].into_iter().any(|sep| is_numeric_date(t, sep)) || is_reading(t)
}

/// `s` is `min..=max` ASCII digits.
fn digits(s: &str, min: usize, max: usize) -> bool {
    (min..=max).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
}

fn is_clock(t: &str) -> bool {
    let strip = |suffix: &str| {
        let cut = t.len().checked_sub(suffix.len())?;
        (t.is_char_boundary(cut) && t[cut..].eq_ignore_ascii_case(suffix)).then(|| &t[..cut])
    };
    let t = strip("am").or_else(|| strip("pm")).unwrap_or(t);
    let mut parts = 0;
    let well_formed = t.split(':').enumerate().all(|(i, p)| {
        parts += 1;
        if i == 0 {
            digits(p, 1, 2)
        } else {
            digits(p, 2, 2)
        }
    });
    well_formed && (2..=3).contains(&parts)
}

fn is_numeric_date(t: &str, sep: char) -> bool {
    let mut parts = 0;
    t.split(sep).all(|p| {
        parts += 1;
        digits(p, 1, 4)
    }) && parts == 3
}

/// A signed number or a temperature: a weather or market reading.
fn is_reading(t: &str) -> bool {
    let unsigned = t.strip_prefix(['+', '-', '\u{2212}']);
    let number = unsigned.unwrap_or(t);
    let (number, degrees) = match number.split_once('\u{b0}') {
        Some((n, unit)) => (n, matches!(unit, "" | "C" | "F" | "c" | "f")),
        None => (number, false),
    };
    let numeric = number.bytes().any(|b| b.is_ascii_digit())
        && number.bytes().all(|b| b.is_ascii_digit() || b == b'.' || b == b',');
    numeric && (unsigned.is_some() || degrees)
}

/// A menu or breadcrumb laid out with separators ("Home | News | Sport",
/// "News › World › Europe"): two or more separator tokens and at most four
/// words between them on average.
pub(crate) fn is_separated_menu(text: &str) -> bool {
    const SEPARATORS: &[&str] = &[
        "|", "\u{2022}", "\u{b7}", "\u{bb}", "\u{203a}", ">", "/", "-", "\u{2013}", "\u{2014}",
        "::",
    ];
    let mut separators = 0;
    let mut words = 0;
    for token in text.split_whitespace() {
        if SEPARATORS.contains(&token) {
            separators += 1;
        } else if token.chars().any(char::is_alphanumeric) {
            words += 1;
        }
    }
    separators >= 2 && words <= 4 * (separators + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn features_cases() {
        let mut stop = StopWords::default();
        // (text, chars, words, English hits, title case, terminal)
        let cases = [
            ("The cat sat on the mat.", 23, 6, 3, false, true),
            ("European Edition", 16, 2, 0, true, false),
            (
                "Communists Refuse to Go Ahead With First Post-Soviet Referendum",
                63,
                9,
                2,
                true,
                false,
            ),
            ("UN chief courts support from Russia", 35, 6, 1, false, false),
            ("\u{201c}I\u{2019}d like it,\u{201d} he said.\u{201d}", 24, 5, 5, false, true),
            ("(Agencies)", 10, 1, 0, true, false),
            ("* * *", 5, 0, 0, false, false),
            ("See also:", 9, 2, 2, false, false),
            ("Brunswick Sees Higher 1987 First Quarter", 40, 6, 0, true, false),
            ("Shr 15 cts vs 1,168,638", 23, 5, 0, false, false),
            ("Oper shr 24 cts vs 19 cts", 25, 7, 0, false, false),
            ("Little Dorrit, Excerpt 7", 24, 4, 0, true, false),
        ];
        for (text, chars, words, en, title, terminal) in cases {
            let f = Features::of(text, &mut stop);
            assert_eq!(
                (f.chars, f.words, f.hits[0], f.title_case, f.terminal),
                (chars, words, en, title, terminal),
                "{text}"
            );
        }
    }

    #[test]
    fn data_blob_cases() {
        let json = r#"[{"id":"1886758","sort":"3670559","title":"Russia Works on New Weapons"}]"#;
        let cases = [
            (r#"string(1527) "[{"id":"1886758""#, true),
            ("array(3) {", true),
            (json, true),
            (r#"<div class="nav"><a href="/world">World</a></div>"#, true),
            ("aHR0cHM6Ly93d3cuZXhhbXBsZS5jb20vMjAxMS8wNC8yMy9zb21lLWFydGljbGU=", true),
            ("\"Yes,\" she said, \"and no: it was {never} mine.\" He laughed at that.", false),
            ("The string(s) of the violin were tuned to A, D, G and E by the player.", false),
            ("Russian President Vladimir Putin has promised to have the same course.", false),
            ("----------------------------------------------------------------", false),
            ("短いテキストではありません。これは日本語の文章で、空白がありませんが、データではありません。", false),
        ];
        for (text, want) in cases {
            assert_eq!(is_data_blob(text), want, "{text}");
        }
    }

    #[test]
    fn salutation_cases() {
        let cases = [
            ("Dear reader,", true),
            ("Dear Readers!", true),
            ("Dear valued customer,", true),
            ("Liebe Leserinnen und Leser,", true),
            ("Chers lecteurs,", true),
            ("Dear John,", false),
            ("Dear reader, you must know that I was born in a small town.", false),
            ("The reader is dear to us", false),
        ];
        for (text, want) in cases {
            assert_eq!(is_reader_salutation(text), want, "{text}");
        }
    }

    #[test]
    fn share_bar_cases() {
        let cases = [
            ("Twitter Facebook Myspace Yahoo! Linkedin Mixx", true),
            ("Share this article", true),
            ("Print | Email", true),
            ("Follow us on Twitter", true),
            ("Share", true),
            ("I tweet on Twitter and Facebook every day.", false),
            ("Email me.", false),
            ("Facebook said on Friday it would fine the company.", false),
        ];
        for (text, want) in cases {
            assert_eq!(is_share_bar(text), want, "{text}");
        }
    }

    #[test]
    fn timestamp_cases() {
        let cases = [
            ("Updated: 2011-04-23 17:57", true),
            ("Thu Nov 24, 2016 22:25:10", true),
            ("MIN +17", true),
            ("MAX +28", true),
            ("Thunderstorms / 08:01 AM / Traffic", true),
            (". Last Updated: 07/27/2016", true),
            ("Sunny 25\u{b0}C", true),
            ("Posted 8:01pm", true),
            ("The meeting starts at 10:30 in the hall.", false),
            ("CONCORD, August, 1885.", false),
            ("Arsenal 2-1 Chelsea", false),
            ("World", false),
        ];
        for (text, want) in cases {
            assert_eq!(is_timestamp(text), want, "{text}");
        }
    }

    #[test]
    fn separated_menu_cases() {
        let cases = [
            ("Home | News | Sport | Business", true),
            ("News \u{203a} World \u{203a} Europe", true),
            (
                "The permanent members of the UN Security Council \u{2014} Britain, China, France, Russia and \
                 the United States \u{2014} can veto a candidacy",
                false,
            ),
            ("Home News Sport", false),
            ("A - B", false),
        ];
        for (text, want) in cases {
            assert_eq!(is_separated_menu(text), want, "{text}");
        }
    }

    #[test]
    fn context_free_cases() {
        let cfg = ClassifierConfig::default();
        let mut stop = StopWords::default();
        let prose = "Ban is in the final year of his term as head of the world body, and diplomats say \
                     the United States and other key Security Council members have given preliminary \
                     pledges of support for a second five-year term.";
        let near = "But his spokesman said Ban's public comment was not intended as a request for support.";
        let names =
            "Ban Ki-moon Dmitry Medvedev Sergei Lavrov Vladimir Putin Martin Nesirky Kofi Annan \
                     Igor Ivanov Antonio Guterres";
        let cases = [
            (prose, Some(0), Cf::Good),
            (near, Some(0), Cf::NearGood),
            (names, Some(0), Cf::Bad(Reason::LowStopwordDensity)),
            // With no list for the language, length alone decides.
            (names, None, Cf::NearGood),
            ("\"Yes,\" he said.", Some(0), Cf::Short),
            ("World", Some(0), Cf::Weak { reason: Reason::LinkList, heading: false }),
            ("Blowing in the wind", Some(0), Cf::Weak { reason: Reason::Short, heading: true }),
            (
                "UN Chief Asks Medvedev for Support on Libya",
                Some(0),
                Cf::Weak { reason: Reason::LinkList, heading: true },
            ),
            ("Dear reader,", Some(0), Cf::Bad(Reason::Notice)),
            ("Twitter Facebook Myspace Yahoo! Linkedin Mixx", Some(0), Cf::Bad(Reason::ShareBar)),
            ("MIN +17", Some(0), Cf::Bad(Reason::Timestamp)),
            ("Home | News | Sport | Business", Some(0), Cf::Bad(Reason::LinkList)),
            ("* * * * *", Some(0), Cf::Short),
        ];
        for (text, lang, want) in cases {
            let f = Features::of(text, &mut stop);
            assert_eq!(context_free(text, &f, lang, &cfg), want, "{text}");
        }
    }
}
