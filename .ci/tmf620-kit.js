// Runs the TMF620 v4 conformance kit's Postman collection with newman, as
// the kit's own ctk/index.js does: the headers of the config (the API key)
// on every request, the config's payloads as the POST bodies. Prints the
// kit's totals and every failed assertion; exits 1 when any failed.
//
//   node tmf620-kit.js KIT_DIR CONFIG BASE_URL LABEL
const fs = require('fs');
const path = require('path');
const newman = require('newman');

const [kit, configFile, base, label] = process.argv.slice(2);
const config = JSON.parse(fs.readFileSync(configFile, 'utf8'));
const collection = JSON.parse(
    fs.readFileSync(path.join(kit, 'ctk', 'CTK-Product_Catalog-4.0.0.postman_collection.json'), 'utf8'));
const environment = JSON.parse(
    fs.readFileSync(path.join(kit, 'ctk', 'TMFENV-V4.0.0.postman_environment.json'), 'utf8'));

const headers = Object.entries(config.headers).map(([key, value]) => ({ key, value }));
for (const group of collection.item) {
    for (const request of group.item) {
        request.request.header = headers;
    }
}
// The folders whose first request creates each resource, as in ctk/index.js.
const creates = { ProductSpecification: 0, ProductOffering: 3, ProductOfferingPrice: 6 };
for (const [resource, folder] of Object.entries(creates)) {
    collection.item[folder].item[0].request.body.raw = JSON.stringify(config.payloads[resource].POST.payload);
}
for (const value of environment.values) {
    if (value.key === 'Product_Catalog') value.value = base;
}

newman.run({ collection, environment, reporters: [] }, (err, summary) => {
    if (err) {
        console.error(`${label}: the kit could not run: ${err}`);
        process.exit(2);
    }
    const stats = summary.run.stats;
    for (const failure of summary.run.failures) {
        const where = failure.source && failure.source.name ? failure.source.name : '?';
        console.log(`  FAILED ${where}: ${failure.error.test || ''} ${failure.error.message}`);
    }
    console.log(`${label}: ${stats.requests.total} requests (${stats.requests.failed} failed), ` +
        `${stats.assertions.total} assertions, ${stats.assertions.failed} failed`);
    process.exit(stats.assertions.failed === 0 && stats.requests.failed === 0 ? 0 : 1);
});
