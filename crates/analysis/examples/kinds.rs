//! Prints each syllable of a file with its kind (content, name, heading, citation, date,
//! signature): `cargo run -p analysis --example kinds -- FILE`.
fn main() {
    let path = std::env::args().nth(1).expect("usage: kinds FILE");
    let text = std::fs::read_to_string(path).expect("read");
    let a = analysis::boilerplate::analyze(&text, &analysis::Gazetteer::new());
    let mut line = u32::MAX;
    for (t, k) in a.tokens.iter().zip(&a.kinds) {
        if t.line != line {
            println!();
            line = t.line;
            print!("{line:3}: ");
        }
        let c = match k {
            analysis::boilerplate::Kind::Content => "",
            analysis::boilerplate::Kind::Name => "§",
            analysis::boilerplate::Kind::Heading => "^H",
            analysis::boilerplate::Kind::Citation => "^C",
            analysis::boilerplate::Kind::Date => "^D",
            analysis::boilerplate::Kind::Signature => "^S",
        };
        print!("{}{c} ", &text[t.start..t.end]);
    }
    println!("\ncontent syllables: {}", a.content.len());
}
