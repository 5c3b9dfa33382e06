//! OCR confusion classes: the token form passage fingerprints hash when
//! [`OcrFolding::On`](super::OcrFolding::On).
//!
//! OCR misreads a few letters and digits as others of similar shape (`m`
//! as `rn`, `o` as `0`, `e` as `c`). One such misreading changes a token's
//! hash, and with it every `k`-gram over the token, so a scanned reprint
//! shares far fewer fingerprints with its source than its text suggests.
//! Hashing each token folded onto one member of its confusion class makes
//! the two agree again; alignment still compares the tokens as written,
//! so folding only decides which pairs become candidates.

/// The single-byte classes, each byte to its class's representative; every
/// other byte, non-ASCII ones included, is its own. Tokens are normalized
/// (lower case), so only lower-case letters are listed.
const FOLD: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = b as u8;
        b += 1;
    }
    let classes: [(u8, u8); 8] = [
        (b'0', b'o'),
        (b'1', b'l'),
        (b'i', b'l'),
        (b'5', b's'),
        (b'c', b'e'),
        (b'h', b'b'),
        (b'u', b'n'),
        (b'f', b't'),
    ];
    let mut i = 0;
    while i < classes.len() {
        table[classes[i].0 as usize] = classes[i].1;
        i += 1;
    }
    table
};

/// Two letters OCR reads for one: `rn` for `m`, `vv` for `w`, `cl` for `d`.
#[inline]
fn digraph(first: u8, second: u8) -> Option<u8> {
    match (first, second) {
        (b'r', b'n') => Some(b'm'),
        (b'v', b'v') => Some(b'w'),
        (b'c', b'l') => Some(b'd'),
        _ => None,
    }
}

/// Writes into `out` (cleared first) the normalized token `word` folded
/// over OCR confusion classes: `rn`→`m`, `vv`→`w`, `cl`→`d`, then `0`→`o`,
/// `1`→`l`, `i`→`l`, `5`→`s`, `c`→`e`, `h`→`b`, `u`→`n`, `f`→`t`.
///
/// The rule, in one pass from left to right: where the next two bytes are
/// a digraph they become its letter; otherwise the next byte goes through
/// the single-byte table. So digraphs win over the table (`cl` is `d`, not
/// `el`), overlapping digraphs are taken greedily from the left (`vvv` is
/// `wv`), and what either writes is never folded again (`ru` becomes `rn`,
/// not `m`). Replacing each digraph through the whole word in turn, then
/// mapping bytes, gives the same: no digraph's letter starts or ends
/// another. Bytes that are not ASCII pass through unchanged, so UTF-8
/// stays UTF-8.
///
/// ```
/// let mut out = Vec::new();
/// syndic::fingerprint::fold_ocr_confusions(b"rnodern", &mut out);
/// assert_eq!(out, b"modem");
/// ```
pub fn fold_ocr_confusions(word: &[u8], out: &mut Vec<u8>) {
    out.clear();
    let mut i = 0;
    while i < word.len() {
        if let Some(letter) = word.get(i + 1).and_then(|&next| digraph(word[i], next)) {
            out.push(letter);
            i += 2;
        } else {
            out.push(FOLD[word[i] as usize]);
            i += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issue16_the_fold_table() {
        for (word, folded) in [
            ("", ""),
            // Digraphs, and the letters they stand for, agree.
            ("modern", "modem"),
            ("rnodern", "modem"),
            ("vvhile", "wblle"),
            ("while", "wblle"),
            ("clown", "down"),
            ("down", "down"),
            // A digraph wins over the table: `cl` is not `el`.
            ("cl", "d"),
            ("c", "e"),
            // Greedy from the left; what is written is not folded again.
            ("vvv", "wv"),
            ("rnrn", "mm"),
            ("ru", "rn"),
            ("r", "r"),
            ("n", "n"),
            // Digits read as letters, and letters as each other.
            ("1o5t", "lost"),
            ("l0st", "lost"),
            ("2026", "2o26"),
            ("fish", "tlsb"),
            ("the", "tbe"),
            ("tbe", "tbe"),
            ("hut", "bnt"),
            ("nut", "nnt"),
            // Letters outside every class are their own.
            ("jazz", "jazz"),
            ("_", "_"),
            // Bytes that are not ASCII pass through, and the ASCII bytes
            // around them still fold.
            ("café", "eaté"),
            ("éclair", "édalr"),
            ("наука", "наука"),
            ("東京", "東京"),
        ] {
            let mut out = vec![b'x'];
            fold_ocr_confusions(word.as_bytes(), &mut out);
            assert_eq!(std::str::from_utf8(&out), Ok(folded), "{word}");
        }
    }
}
