//! The demo's sample directory and the calls the demo plays agree with the app's own number
//! parsing: a demo caller from the directory is recognised as that contact.

use callpop_core::PhoneNumber;
use callpop_sim::vega::demo;

#[test]
fn every_sample_directory_number_parses_to_the_number_the_demo_calls_from() {
    let written: Vec<&str> = demo::DEMO_CONTACTS_CSV
        .lines()
        .skip(1)
        .map(|line| line.split(';').nth(2).expect("a Телефон column"))
        .collect();
    let called = demo::directory_numbers();
    assert_eq!(written.len(), called.len());
    for (written, called) in written.iter().zip(&called) {
        for region in ["RU", "UA"] {
            assert_eq!(
                PhoneNumber::parse(written, region),
                PhoneNumber::E164(called.clone()),
                "{written:?} in region {region}"
            );
        }
    }
}
