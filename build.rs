// include_dir! re-embeds changed files but misses newly added ones; telling
// cargo to watch the folder makes an added template trigger a rebuild.
fn main() {
    println!("cargo:rerun-if-changed=templates");
}
