//! The layers point one way: the HTTP layer calls the service layer, which
//! calls the store and the catalogue's rules; the store maps rows to the
//! catalogue's types; the catalogue depends on nothing else of Vitrine.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The top-level modules each top-level module names (`crate::x`), read
/// from the sources.
fn dependencies() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut files = vec![src.clone()];
    while let Some(path) = files.pop() {
        if path.is_dir() {
            files.extend(
                std::fs::read_dir(&path)
                    .expect("a source folder")
                    .map(|e| e.expect("an entry").path()),
            );
            continue;
        }
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let relative = path.strip_prefix(&src).expect("under src");
        let module = relative
            .components()
            .next()
            .and_then(|c| c.as_os_str().to_str())
            .map(|m| m.trim_end_matches(".rs").to_owned())
            .expect("a module");
        if ["lib", "main"].contains(&module.as_str()) {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("a source file");
        let named = graph.entry(module.clone()).or_default();
        for (i, _) in text.match_indices("crate::") {
            let target: String = text[i + "crate::".len()..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !target.is_empty() && target != module {
                named.insert(target);
            }
        }
    }
    graph
}

#[test]
fn the_catalogue_depends_on_nothing_else_and_the_layers_point_one_way() {
    let graph = dependencies();
    let of = |m: &str| graph.get(m).cloned().unwrap_or_default();
    assert!(
        of("catalogue").is_empty(),
        "src/catalogue names {:?}",
        of("catalogue")
    );
    let store: BTreeSet<String> = of("store");
    assert!(
        store.iter().all(|m| m == "catalogue"),
        "src/store names {store:?}"
    );
    let service = of("service");
    assert!(
        service.iter().all(|m| m == "catalogue" || m == "store"),
        "src/service names {service:?}"
    );
    let api = of("api");
    assert!(
        !api.contains("store"),
        "the HTTP layer calls the service layer, not the store: {api:?}"
    );
    println!("layers: {graph:?}");
}

#[test]
fn no_module_depends_on_itself_through_others() {
    let graph = dependencies();
    // Depth-first search for a cycle among the top-level modules.
    fn visit<'a>(
        node: &'a str,
        graph: &'a BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<&'a str>,
        done: &mut BTreeSet<&'a str>,
    ) {
        if done.contains(node) {
            return;
        }
        if let Some(start) = path.iter().position(|n| *n == node) {
            panic!("a circle: {:?} -> {node}", &path[start..]);
        }
        path.push(node);
        for next in graph.get(node).into_iter().flatten() {
            visit(next, graph, path, done);
        }
        path.pop();
        done.insert(node);
    }
    let mut done = BTreeSet::new();
    for node in graph.keys() {
        visit(node, &graph, &mut Vec::new(), &mut done);
    }
}
