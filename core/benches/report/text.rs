//! Realistic, varied transcript text for the benchmarks.
//!
//! One repeated sentence makes full-text search and compression look far
//! cheaper than they are (15 distinct words), so transcripts here are drawn
//! from word pools in several languages and scripts, with sentence and
//! paragraph breaks, from a seeded generator: the same seed gives the same
//! text in every run, so figures compare across runs.

/// A small, fast, seeded generator (xorshift64*): reproducible across runs.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const ENGLISH: &[&str] = &[
    "bus",
    "stop",
    "waited",
    "hour",
    "never",
    "came",
    "walked",
    "library",
    "council",
    "housing",
    "repairs",
    "damp",
    "landlord",
    "children",
    "school",
    "nurse",
    "appointment",
    "letter",
    "form",
    "benefits",
    "queue",
    "phone",
    "hold",
    "interpreter",
    "mother",
    "neighbour",
    "community",
    "centre",
    "funding",
    "cut",
    "volunteers",
    "kitchen",
    "warm",
    "winter",
    "heating",
    "bills",
    "shift",
    "factory",
    "night",
    "doctor",
    "surgery",
    "waiting",
    "list",
    "months",
    "accessible",
    "ramp",
    "stairs",
    "lift",
    "broken",
    "language",
    "jargon",
    "listened",
    "trust",
    "power",
    "sharing",
    "time",
    "respect",
    "felt",
    "invisible",
    "together",
    "market",
    "allotment",
    "river",
    "park",
    "youth",
    "club",
    "closed",
    "opened",
    "again",
    "because",
    "when",
    "then",
    "and",
    "but",
    "so",
    "we",
    "they",
    "she",
    "he",
    "it",
    "was",
    "were",
    "had",
    "the",
    "a",
    "of",
    "to",
    "in",
    "on",
    "for",
    "with",
    "nobody",
    "everyone",
    "story",
];
const WELSH: &[&str] = &[
    "bws",
    "aros",
    "awr",
    "cerdded",
    "llyfrgell",
    "cyngor",
    "tai",
    "plant",
    "ysgol",
    "meddyg",
    "cymuned",
    "canolfan",
    "gaeaf",
    "gwres",
    "iaith",
    "gwrando",
    "ymddiriedaeth",
    "gyda'n",
    "gilydd",
    "afon",
    "parc",
    "ieuenctid",
    "roedd",
    "oedd",
    "ni",
    "nhw",
    "hi",
    "fe",
    "a",
    "ond",
    "felly",
    "pan",
    "wedyn",
];
const POLISH: &[&str] = &[
    "autobus",
    "przystanek",
    "czekaliśmy",
    "godzinę",
    "szliśmy",
    "biblioteka",
    "mieszkanie",
    "dzieci",
    "szkoła",
    "lekarz",
    "wspólnota",
    "zima",
    "ogrzewanie",
    "rachunki",
    "język",
    "słuchali",
    "zaufanie",
    "razem",
    "rzeka",
    "park",
    "młodzież",
    "był",
    "była",
    "byli",
    "ale",
    "więc",
    "kiedy",
    "potem",
    "nikt",
    "wszyscy",
];
const SPANISH: &[&str] = &[
    "autobús",
    "parada",
    "esperamos",
    "hora",
    "caminamos",
    "biblioteca",
    "vivienda",
    "niños",
    "escuela",
    "médico",
    "comunidad",
    "invierno",
    "calefacción",
    "facturas",
    "idioma",
    "escucharon",
    "confianza",
    "juntos",
    "río",
    "parque",
    "jóvenes",
    "era",
    "fueron",
    "pero",
    "entonces",
    "cuando",
    "nadie",
    "todos",
    "historia",
];
const URDU: &[&str] = &[
    "بس",
    "انتظار",
    "گھنٹہ",
    "لائبریری",
    "گھر",
    "بچے",
    "اسکول",
    "ڈاکٹر",
    "برادری",
    "سردی",
    "زبان",
    "بھروسہ",
    "ساتھ",
    "دریا",
    "پارک",
    "تھا",
    "تھے",
    "لیکن",
    "جب",
    "پھر",
];
const BENGALI: &[&str] = &[
    "বাস",
    "অপেক্ষা",
    "ঘণ্টা",
    "লাইব্রেরি",
    "বাড়ি",
    "শিশু",
    "স্কুল",
    "ডাক্তার",
    "সম্প্রদায়",
    "শীত",
    "ভাষা",
    "বিশ্বাস",
    "একসাথে",
    "নদী",
    "পার্ক",
    "ছিল",
    "কিন্তু",
    "যখন",
    "তারপর",
];

/// Word pools, weighted towards English as a UK project's transcripts are,
/// with whole sentences in other languages as interviews switch language.
const POOLS: &[(&[&str], u32)] = &[
    (ENGLISH, 60),
    (WELSH, 8),
    (POLISH, 8),
    (SPANISH, 8),
    (URDU, 8),
    (BENGALI, 8),
];

fn pool(rng: &mut Rng) -> &'static [&'static str] {
    let total: u32 = POOLS.iter().map(|(_, w)| w).sum();
    let mut pick = (rng.next() % total as u64) as u32;
    for (words, weight) in POOLS {
        if pick < *weight {
            return words;
        }
        pick -= weight;
    }
    ENGLISH
}

/// About `bytes` bytes (UTF-8) of interview transcript: speaker turns of a
/// few sentences, each sentence in one language, with a number now and
/// then (dates, bus routes), as real transcripts have.
pub fn transcript(seed: u64, bytes: usize) -> String {
    let mut rng = Rng::new(seed);
    let mut out = String::with_capacity(bytes + 64);
    let speakers = ["A: ", "B: "];
    let mut turn = 0;
    while out.len() < bytes {
        out.push_str(speakers[turn % 2]);
        turn += 1;
        for _ in 0..1 + rng.below(4) {
            let words = pool(&mut rng);
            let length = 6 + rng.below(13);
            for i in 0..length {
                if i > 0 {
                    out.push(' ');
                }
                if rng.below(40) == 0 {
                    out.push_str(&(rng.below(2000) + 1).to_string());
                } else {
                    let word = words[rng.below(words.len())];
                    if i == 0 {
                        let mut chars = word.chars();
                        if let Some(first) = chars.next() {
                            out.extend(first.to_uppercase());
                            out.push_str(chars.as_str());
                        }
                    } else {
                        out.push_str(word);
                    }
                }
            }
            out.push_str(if rng.below(6) == 0 { "? " } else { ". " });
        }
        out.push('\n');
    }
    // Cut at a character boundary at or below `bytes`.
    let mut end = bytes.min(out.len());
    while !out.is_char_boundary(end) {
        end -= 1;
    }
    out.truncate(end);
    out
}

/// A short title in the same mix of languages.
pub fn title(seed: u64) -> String {
    let mut rng = Rng::new(seed ^ 0x5151);
    let words = pool(&mut rng);
    (0..2 + rng.below(4))
        .map(|_| words[rng.below(words.len())])
        .collect::<Vec<_>>()
        .join(" ")
}

/// Search terms a workshop would type: single words from the pools.
pub fn query(seed: u64) -> &'static str {
    let mut rng = Rng::new(seed ^ 0xABCD);
    let words = pool(&mut rng);
    words[rng.below(words.len())]
}
