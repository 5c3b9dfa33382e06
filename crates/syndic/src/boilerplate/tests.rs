use super::*;

const SEEDS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/seeds");

/// A paragraph of a wire story: long, stop-word dense.
const STORY: [&str; 3] = [
    "Ban is in the final year of his term as head of the world body, and diplomats say the United \
     States and other key Security Council members have given preliminary pledges of support for a \
     second five-year term.",
    "Russian Foreign Minister Sergei Lavrov, who was also in the meeting, said Russia would continue \
     trusting, close working contacts with the secretary-general, but also emphasised Russia's \
     concerns regarding the use of force.",
    "Russia abstained from the Security Council vote last month on the resolution that authorised \
     the use of military force to enforce a no-fly zone and protect civilians in Libya, but has \
     accused a coalition of going beyond its mandate.",
];

const GERMAN: [&str; 2] = [
    "Der Generalsekretär der Vereinten Nationen hat am Freitag in Moskau um die Unterstützung \
     Russlands geworben, das den von der UNO gebilligten Militäreinsatz in Libyen kritisiert hatte, \
     wie die Agentur berichtete.",
    "Er ist im letzten Jahr seiner Amtszeit, und Diplomaten sagen, dass die Vereinigten Staaten und \
     andere wichtige Mitglieder des Sicherheitsrates ihm ihre Unterstützung für eine zweite Amtszeit \
     zugesagt haben.",
];

const RUSSIAN: [&str; 2] = [
    "Генеральный секретарь ООН Пан Ги Мун в пятницу заручился поддержкой постоянного члена Совета \
     Безопасности России, которая критиковала санкционированную ООН военную операцию в Ливии, \
     сообщили дипломаты.",
    "Министр иностранных дел Сергей Лавров, который также присутствовал на встрече, заявил, что \
     Россия продолжит тесные рабочие контакты с генеральным секретарём организации.",
];

fn run(text: &str) -> Vec<(String, LineClass)> {
    classify(text, &ClassifierConfig::default())
        .into_iter()
        .map(|l| (text[l.start..l.end].to_string(), l.class))
        .collect()
}

fn bp(reason: Reason) -> LineClass {
    LineClass::Boilerplate(reason)
}

#[test]
fn classify_cases() {
    let [p0, p1, p2] = STORY;
    let c = LineClass::Content;
    // (name, document, expected class of each line)
    let cases: Vec<(&str, String, Vec<LineClass>)> = vec![
        (
            "share bar and dateline between headline and story",
            format!("UN chief courts support from Russia\nUpdated: 2011-04-23 17:57\nTwitter Facebook Linkedin\n{p0}\n{p1}"),
            vec![c, bp(Reason::Timestamp), bp(Reason::ShareBar), c, c],
        ),
        (
            "section labels above a headline",
            format!("World\nPolitics\nUN chief courts support from Russia\n{p0}"),
            vec![bp(Reason::LinkList), bp(Reason::LinkList), c, c],
        ),
        (
            "teaser block after the story",
            format!(
                "{p0}\n{p1}\nE-paper\nBlowing in the wind\nHigh-Flyers from around the world recently traveled \
                 to home of the kite for a very special event.\nImage maker\nChanging fortunes"
            ),
            vec![c, c, bp(Reason::LinkList), bp(Reason::Short), bp(Reason::Context), bp(Reason::Short), bp(Reason::Short)],
        ),
        (
            "reader notice in full sentences",
            format!(
                "{p0}\n{p1}\nDear reader,\nDue to the increasing number of users engaging in personal attacks, spam \
                 and abusive comments, we are no longer able to host our forum as a site for constructive and \
                 intelligent debate, and it is with regret that we have had to close it for good.\nIt is with \
                 regret, therefore, that we have found ourselves forced to suspend the commenting function.\nThe \
                 Example Times"
            ),
            vec![c, c, bp(Reason::Notice), bp(Reason::Notice), bp(Reason::Notice), bp(Reason::LinkList)],
        ),
        (
            "serialized data after the story",
            format!("{p0}\n{p1}\nstring(95) \"[{{\"id\":\"1886758\",\"sort\":\"3670559\",\"title\":\"Russia Works on Weapons\"}}]\""),
            vec![c, c, bp(Reason::DataBlob)],
        ),
        (
            "menu with separators, name list",
            format!(
                "Home | News | Sport | Business\n{p0}\nKofi Annan, Ban Ki-moon, Antonio Guterres, Vladimir Putin, \
                 Dmitry Medvedev, Sergei Lavrov, Igor Ivanov\n{p2}"
            ),
            vec![bp(Reason::LinkList), c, bp(Reason::LowStopwordDensity), c],
        ),
        (
            "short sentences inside the story",
            format!("{p0}\n\"No,\" he said.\n{p1}\n* * *\n{p2}"),
            vec![c, c, c, c, c],
        ),
        (
            "lede under a dateline, a source label before the body",
            format!(
                "Russian President Putin Meets Next UN Chief Antonio Guterres\nThu Nov 24, 2016 22:25:10\nRussian \
                 President Vladimir Putin has promised to keep the same course with the incoming UN chief.\nALALAM - \
                 Europe\n{p0}"
            ),
            vec![c, bp(Reason::Timestamp), c, bp(Reason::LinkList), c],
        ),
        (
            "no long prose: only self-evident boilerplate goes",
            "UPDATE 1-TSMC plans five new advanced wafer plants -paper\nMIN +17".to_string(),
            vec![c, bp(Reason::Timestamp)],
        ),
        (
            "German page: the German list decides",
            format!("Politik\nTeilen Facebook Twitter\n{}\n{}", GERMAN[0], GERMAN[1]),
            vec![bp(Reason::LinkList), bp(Reason::ShareBar), c, c],
        ),
        (
            "no list for the language: length decides",
            format!("MIN +17\n{}\n{}", RUSSIAN[0], RUSSIAN[1]),
            vec![bp(Reason::Timestamp), c, c],
        ),
        ("empty document", String::new(), vec![]),
    ];
    for (name, text, want) in cases {
        let got = run(&text);
        let classes: Vec<LineClass> = got.iter().map(|(_, c)| *c).collect();
        assert_eq!(classes, want, "{name}: {got:#?}");
    }
}

#[test]
fn hard_wrapped_paragraphs_are_labelled_whole() {
    let para = |s: &str| {
        // Wrap at 60 columns, as a book would be.
        let mut out = String::new();
        let mut col = 0;
        for w in s.split(' ') {
            if col + w.len() > 60 {
                out.push('\n');
                col = 0;
            } else if col > 0 {
                out.push(' ');
                col += 1;
            }
            out.push_str(w);
            col += w.len();
        }
        out
    };
    let text =
        format!("CHAPTER I\n\n{}\n\n{}\n\n{}", para(STORY[0]), para(STORY[1]), para(STORY[2]));
    let got = run(&text);
    assert_eq!(got.len(), 4, "{got:#?}");
    assert!(got[1].0.contains('\n'));
    assert!(got[1..].iter().all(|(_, c)| *c == LineClass::Content), "{got:#?}");
}

#[test]
fn labels_cover_lines_in_order() {
    let text = format!("  World\r\n\r\n{}\r\nMIN +17  \n", STORY[0]);
    let labels = classify(&text, &ClassifierConfig::default());
    let ranges: Vec<(usize, usize)> = labels.iter().map(|l| (l.start, l.end)).collect();
    let want: Vec<(usize, usize)> = lines(&text).iter().map(|l| (l.start, l.end)).collect();
    assert_eq!(ranges, want);
    assert_eq!(&text[labels[0].start..labels[0].end], "World");
    assert_eq!(&text[labels[2].start..labels[2].end], "MIN +17");
}

#[test]
fn spans_merge_runs_of_one_reason() {
    let label = |start, end, class| LineLabel { start, end, class };
    let c = LineClass::Content;
    let labels = [
        label(0, 5, bp(Reason::LinkList)),
        label(6, 14, bp(Reason::LinkList)),
        label(15, 20, bp(Reason::Timestamp)),
        label(21, 90, c),
        label(91, 95, bp(Reason::LinkList)),
        label(96, 99, c),
        label(100, 104, bp(Reason::Short)),
        label(105, 110, bp(Reason::Short)),
    ];
    let spans = boilerplate_spans(&labels);
    assert_eq!(
        spans,
        [
            Span { start: 0, end: 14, reason: Reason::LinkList },
            Span { start: 15, end: 20, reason: Reason::Timestamp },
            Span { start: 91, end: 95, reason: Reason::LinkList },
            Span { start: 100, end: 110, reason: Reason::Short },
        ]
    );
    assert_eq!(content_bytes(&labels), 69 + 3);
    assert!(boilerplate_spans(&[]).is_empty());
}

#[test]
fn content_bytes_counts_the_kept_lines() {
    let text = format!("World\n\n{}\n\nMIN +17\n{}\n\n\n{}\nE-paper", STORY[0], STORY[1], STORY[2]);
    let labels = classify(&text, &ClassifierConfig::default());
    assert_eq!(content_bytes(&labels), STORY.iter().map(|s| s.len()).sum::<usize>());
    assert_eq!(content_bytes(&[]), 0);
}

#[test]
fn reason_names_are_distinct_snake_case() {
    let names: std::collections::HashSet<&str> = Reason::ALL.iter().map(|r| r.as_str()).collect();
    assert_eq!(names.len(), Reason::ALL.len());
    for r in Reason::ALL {
        assert!(r.as_str().bytes().all(|b| b.is_ascii_lowercase() || b == b'_'), "{r:?}");
        assert_eq!(r.to_string(), r.as_str());
    }
    assert_eq!(Reason::LowStopwordDensity.as_str(), "low_stopword_density");
}

#[test]
fn config_validation() {
    let ok = ClassifierConfig::default();
    assert!(ok.validate().is_ok());
    let bad = [
        ClassifierConfig { length_low: 0, ..ok.clone() },
        ClassifierConfig { length_low: 300, ..ok.clone() },
        ClassifierConfig { stopwords_low: 0.5, ..ok.clone() },
        ClassifierConfig { stopwords_high: 1.5, ..ok.clone() },
        ClassifierConfig { stopwords_low: -0.1, ..ok.clone() },
        ClassifierConfig { stopwords_low: f64::NAN, ..ok.clone() },
    ];
    for cfg in bad {
        assert_eq!(
            cfg.validate().expect_err("invalid config accepted").kind(),
            "config",
            "{cfg:?}"
        );
        // Unchecked, a bad configuration still labels without panicking.
        assert_eq!(classify(STORY[0], &cfg).len(), 1);
    }
}

/// Reads a seed page, or says why the test is skipped: on stderr, and in
/// the file `SYNDIC_SKIPPED_LOG` names (the test script lists it). Under
/// `CI=true` a missing page fails the test: CI must run it.
pub(crate) fn seed(name: &str) -> Option<String> {
    let path = format!("{SEEDS}/{name}");
    match std::fs::read_to_string(&path) {
        Ok(text) => Some(text),
        Err(e) => {
            let reason = format!("cannot read {path}: {e}");
            assert!(
                std::env::var("CI").map_or(true, |ci| ci != "true"),
                "{reason}, and CI must run this test"
            );
            eprintln!("SKIPPED: {reason}");
            if let Some(log) = std::env::var_os("SYNDIC_SKIPPED_LOG") {
                use std::io::Write;
                let test = std::thread::current().name().unwrap_or("?").to_owned();
                let file = std::fs::OpenOptions::new().create(true).append(true).open(log);
                let _ = file.and_then(|mut f| writeln!(f, "{test}: {reason}"));
            }
            None
        }
    }
}

/// The class of the first line starting with `needle` (or equal to it, when
/// `exact`).
fn class_of(labels: &[(String, LineClass)], needle: &str, exact: bool) -> LineClass {
    labels
        .iter()
        .find(|(text, _)| if exact { text == needle } else { text.starts_with(needle) })
        .unwrap_or_else(|| panic!("no line {needle:?} in {labels:#?}"))
        .1
}

#[test]
fn seeds() {
    // (seed, line start, exact match, expected boilerplate)
    let expectations: &[(&str, &str, bool, bool)] = &[
        ("001.txt", "World", true, true),
        ("001.txt", "Politics", true, true),
        ("001.txt", "UN chief courts support from Russia", true, false),
        ("001.txt", "Updated: 2011-04-23 17:57", true, true),
        ("001.txt", "Twitter Facebook Myspace Yahoo! Linkedin Mixx", true, true),
        ("001.txt", "GORKI", false, false),
        ("001.txt", "\"I'd like to really count on your strong support", false, false),
        ("001.txt", "Prime Minister Vladimir Putin said at the time", false, false),
        ("001.txt", "Ban, a former South Korean foreign minister", false, false),
        ("002.txt", "MIN +17", true, true),
        ("002.txt", "MAX +28", true, true),
        ("002.txt", "Thunderstorms / 08:01 AM / Traffic", true, true),
        ("002.txt", "UN Chief Asks Medvedev for Support on Libya", true, false),
        ("002.txt", "GORKI, Moscow Region", false, false),
        ("002.txt", "\u{201c}I\u{2019}d like to really count on your strong support", false, false),
        ("002.txt", "Lavrov on Saturday urged", false, false),
        ("002.txt", "See also:", true, true),
        ("002.txt", "Communists Refuse to Go Ahead", false, true),
        ("002.txt", "Rebels Find Fake U.S. Stinger Missiles", false, true),
        ("002.txt", "Diggers Expose Moscow's Underground History", false, true),
        ("002.txt", "From the Web", true, true),
        ("002.txt", "Dear reader,", true, true),
        ("002.txt", "Due to the increasing number of users", false, true),
        ("002.txt", "It is with regret", false, true),
        ("002.txt", "The Moscow Times remains committed", false, true),
        ("002.txt", "The Moscow Times", true, true),
        ("003.txt", "Russian President Putin Meets Next UN Chief Antonio Guterres", true, false),
        ("003.txt", "Russian President Vladimir Putin has promised", false, false),
        ("003.txt", "In a meeting with Guterres", false, false),
        ("003.txt", "Moscow has denied the claims", false, false),
        ("003.txt", "string(1527) \"[{", false, true),
        ("004.txt", "\"I'd like to really count on your strong support", false, false),
    ];
    let mut pages = std::collections::BTreeMap::new();
    for name in ["000.txt", "001.txt", "002.txt", "003.txt", "004.txt"] {
        let Some(text) = seed(name) else { return };
        let labels = classify(&text, &ClassifierConfig::default());
        let kept = content_bytes(&labels);
        let dropped = labels.iter().filter(|l| l.class.is_boilerplate()).count();
        eprintln!(
            "{name}: {} lines, {dropped} boilerplate; {kept} of {} bytes kept",
            labels.len(),
            text.len()
        );
        let named: Vec<(String, LineClass)> =
            labels.iter().map(|l| (text[l.start..l.end].to_string(), l.class)).collect();
        pages.insert(name, named);
    }
    for &(name, needle, exact, want) in expectations {
        let got = class_of(&pages[name], needle, exact);
        assert_eq!(got.is_boilerplate(), want, "{name}: {needle:?} is {got:?}");
    }
    assert_eq!(class_of(&pages["003.txt"], "string(1527)", false), bp(Reason::DataBlob));
    assert_eq!(class_of(&pages["001.txt"], "Twitter", false), bp(Reason::ShareBar));
    assert_eq!(class_of(&pages["002.txt"], "MIN +17", true), bp(Reason::Timestamp));

    // 001's E-paper block, from its label to the end, is boilerplate.
    let p001 = &pages["001.txt"];
    let epaper = p001.iter().position(|(t, _)| t == "E-paper").expect("E-paper line");
    assert!(p001[epaper..].iter().all(|(_, c)| c.is_boilerplate()), "{:#?}", &p001[epaper..]);
    // Every story paragraph (the long lines) of the three copies is content.
    for name in ["001.txt", "002.txt", "004.txt"] {
        let page = &pages[name];
        let story_end =
            page.iter().position(|(t, _)| t == "E-paper" || t == "See also:").unwrap_or(page.len());
        for (text, class) in &page[..story_end] {
            if text.chars().count() >= 100 {
                assert_eq!(*class, LineClass::Content, "{name}: {text}");
            }
        }
    }
    // The other two stories keep their paragraphs too.
    for name in ["000.txt", "003.txt"] {
        for (text, class) in &pages[name] {
            if text.chars().count() >= 100 && !text.starts_with("string(") {
                assert_eq!(*class, LineClass::Content, "{name}: {text}");
            }
        }
    }
}

#[test]
fn long_documents_keep_dialogue_in_their_body() {
    // A play: speaker labels and short speeches between long ones, with a
    // menu-like row and short lines at its head.
    let head = "Home | Books | Plays | About\nACT ONE\nA room.";
    let scene: Vec<String> = (0..1600)
        .map(|i| match i % 4 {
            0 => "HUBBARD".to_string(),
            1 => "Do you do anything yourself?".to_string(),
            2 => "CHALMERS".to_string(),
            _ => STORY[i % 3].to_string(),
        })
        .collect();
    let text = format!("{head}\n{}\n", scene.join("\n"));
    assert!(text.len() >= LONG_DOC_MIN_BYTES);
    let got = run(&text);
    let zone = EDGE_ZONE_BYTES.min(text.len() / 4);
    // At the head (within the edge zone), the single-page rules apply.
    assert_eq!(got[0].1, LineClass::Boilerplate(Reason::LinkList), "{:?}", &got[..4]);
    assert!(got[1].1.is_boilerplate(), "{:?}", &got[..4]);
    // In the body, every line of the dialogue is kept.
    let labels = classify(&text, &ClassifierConfig::default());
    let body: Vec<&LineLabel> =
        labels.iter().filter(|l| l.start >= zone && l.end <= text.len() - zone).collect();
    assert!(body.len() > 100);
    let dropped: Vec<(&str, LineClass)> = body
        .iter()
        .filter(|l| l.class != LineClass::Content)
        .map(|l| (&text[l.start..l.end], l.class))
        .take(5)
        .collect();
    assert!(dropped.is_empty(), "{dropped:?}");
    // The same play cut short is a web page: its short lines go by context.
    let short = format!("{head}\n{}\n", scene[..40].join("\n"));
    assert!(run(&short).iter().any(|(l, c)| l == "HUBBARD" && c.is_boilerplate()));
}
