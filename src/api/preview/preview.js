// The customer-view preview: a catalogue manager's look through the shop
// window. It reads the JSON API of the same origin only, with the key the
// user pastes; the key stays in memory (and in sessionStorage when asked).
'use strict';

(() => {
  const API = '/api/v1';
  const PAGE_SIZE = 50;
  // At most this many requests at once for the internal catalogue.
  const PARALLEL = 4;
  const KEY_STORE = 'vitrine.preview.key';
  const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
  const DAY = /^\d{4}-\d{2}-\d{2}$/;

  const KIND = {
    customer: { collection: 'customers', one: 'customer', label: 'Customer', choose: 'Choose a customer…' },
    group: { collection: 'consumer-groups', one: 'consumer group', label: 'Consumer group', choose: 'Choose a consumer group…' },
  };
  const ELEMENT_KIND = {
    goods: 'goods',
    access_to_resources: 'access to resources',
    service_action: 'service action',
  };

  const $ = (id) => document.getElementById(id);
  const ui = {
    keyForm: $('key-form'), key: $('key'), remember: $('remember'), forget: $('forget'),
    subjectForm: $('subject-form'), subjectLabel: $('subject-label'), subject: $('subject'),
    listField: $('list-field'), listHint: $('list-hint'), more: $('more'),
    findLabel: $('find-label'), find: $('find'), findButton: $('find-button'), clearFind: $('clear-find'),
    day: $('day'), internal: $('internal'), internalNote: $('internal-note'),
    problem: $('problem'), status: $('status'),
    view: $('view'), viewTitle: $('view-title'), viewMeta: $('view-meta'), offerings: $('offerings'),
    agreements: $('agreements'), agreementRows: $('agreement-rows'),
  };

  const state = {
    key: '',
    kind: 'customer',
    // The key may not list customers (a customer key): its customer's id is typed.
    restricted: false,
    next: null,
    subject: null,
    view: null,
    // null, or {services, products, components, offerings} maps, or {forbidden: problem}.
    internal: null,
    // The view whose internal catalogue is being read.
    internalFor: null,
    // Every load of the list and of the view takes a number; an answer to
    // an older one is dropped.
    listSeq: 0,
    viewSeq: 0,
  };

  /** An answer that is not what was asked for, as an RFC 9457 problem. */
  class Problem extends Error {
    constructor(status, body) {
      const title = body && typeof body.title === 'string' && body.title ? body.title : `HTTP ${status}`;
      super(title);
      this.status = status;
      this.title = title;
      this.detail = body && typeof body.detail === 'string' ? body.detail : '';
      this.errors = body && Array.isArray(body.errors) ? body.errors : [];
    }
  }

  async function api(path) {
    let response;
    try {
      response = await fetch(path, {
        headers: { Authorization: `Bearer ${state.key}`, Accept: 'application/json' },
        credentials: 'omit',
        cache: 'no-store',
        referrerPolicy: 'no-referrer',
      });
    } catch (error) {
      throw new Problem(0, { title: 'The service cannot be reached', detail: String(error && error.message || error) });
    }
    let body = null;
    if (/json/i.test(response.headers.get('Content-Type') || '')) {
      try {
        body = await response.json();
      } catch {
        body = null;
      }
    }
    if (!response.ok) {
      throw new Problem(response.status, body || { title: response.statusText || `HTTP ${response.status}` });
    }
    if (body === null || typeof body !== 'object') {
      throw new Problem(response.status, { title: 'Unexpected answer', detail: `${path} did not answer with JSON.` });
    }
    return body;
  }

  function query(params) {
    const search = new URLSearchParams();
    for (const [name, value] of Object.entries(params)) {
      if (value !== null && value !== undefined && value !== '') search.set(name, value);
    }
    const text = search.toString();
    return text ? `?${text}` : '';
  }

  /** Every page of a collection, following `next_cursor`. */
  async function listAll(path) {
    const items = [];
    let cursor = null;
    do {
      const page = await api(path + query({ limit: 500, cursor }));
      items.push(...page.items);
      cursor = page.next_cursor;
    } while (cursor);
    return items;
  }

  /** `fn` over `items`, a few at a time; the first failure stops the rest. */
  async function mapLimit(items, limit, fn) {
    const results = new Array(items.length);
    let index = 0;
    let failed = false;
    const worker = async () => {
      while (!failed && index < items.length) {
        const mine = index++;
        try {
          results[mine] = await fn(items[mine]);
        } catch (error) {
          failed = true;
          throw error;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
    return results;
  }

  const unique = (values) => [...new Set(values)];

  /** An element with its attributes and children; text is never parsed as HTML. */
  function h(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name === 'class') node.className = value;
      else if (name === 'data') {
        for (const [key, data] of Object.entries(value)) if (data !== null && data !== undefined) node.dataset[key] = data;
      }
      else node.setAttribute(name, value === true ? '' : value);
    }
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  // ---- messages ----

  function say(text) {
    ui.status.textContent = text || '';
  }

  function showProblem(problem, context) {
    const p = problem instanceof Problem ? problem : new Problem(0, { title: 'Something went wrong', detail: String(problem) });
    ui.problem.replaceChildren(...[
      h('p', { class: 'problem-title' }, context ? `${context}: ` : '', h('strong', null, p.title),
        p.status ? h('span', { class: 'problem-status' }, ` (${p.status})`) : null),
      p.detail ? h('p', { class: 'problem-detail' }, p.detail) : null,
      p.errors.length
        ? h('ul', { class: 'problem-errors' }, p.errors.map((e) => h('li', null, e.field ? `${e.field}: ` : '', e.message || '')))
        : null,
    ].filter(Boolean));
    ui.problem.hidden = false;
  }

  function clearProblem() {
    ui.problem.hidden = true;
    ui.problem.replaceChildren();
  }

  // ---- the key ----

  async function connect(key) {
    state.key = key;
    try {
      if (ui.remember.checked) sessionStorage.setItem(KEY_STORE, key);
      else sessionStorage.removeItem(KEY_STORE);
    } catch {
      // Storage may be off; the key then lives in memory only.
    }
    clearProblem();
    resetSubject();
    // A key pasted again meanwhile makes this answer an old one.
    const seq = ++state.listSeq;
    let me;
    try {
      me = await api(`${API}/me`);
    } catch (problem) {
      if (seq !== state.listSeq) return;
      ui.subjectForm.hidden = true;
      showProblem(problem, 'Checking the key');
      return;
    }
    if (seq !== state.listSeq) return;
    ui.subjectForm.hidden = false;
    if (me.role === 'customer' && me.customer_id) {
      // A key bound to one customer reads that customer's view only: not the
      // list of customers, nor the internal catalogue.
      state.restricted = true;
      state.kind = 'customer';
      document.querySelector('input[name="kind"][value="customer"]').checked = true;
      applyKindLabels();
      setInternalAvailable(false, 'A key bound to one customer sees that customer\'s view only: the internal catalogue is not for it.');
      ui.find.value = me.customer_id;
      state.subject = { kind: 'customer', id: me.customer_id };
      loadView();
      return;
    }
    state.restricted = false;
    setInternalAvailable(true);
    loadList(false);
  }

  function forget() {
    state.key = '';
    try {
      sessionStorage.removeItem(KEY_STORE);
    } catch {
      // Nothing was kept.
    }
    ui.key.value = '';
    ui.remember.checked = false;
    ui.subjectForm.hidden = true;
    resetSubject();
    clearProblem();
    say('The key is forgotten.');
  }

  // ---- whose view: the picker ----

  function resetSubject() {
    state.listSeq++;
    state.viewSeq++;
    state.subject = null;
    state.view = null;
    state.internal = null;
    state.next = null;
    ui.subject.replaceChildren();
    ui.find.value = '';
    ui.clearFind.hidden = true;
    ui.more.hidden = true;
    ui.listHint.textContent = '';
    renderView();
  }

  function applyKindLabels() {
    const kind = KIND[state.kind];
    ui.subjectLabel.textContent = kind.label;
    ui.listField.hidden = state.restricted;
    ui.findLabel.textContent = state.restricted ? 'Customer id' : 'Find by exact name or id';
    ui.findButton.textContent = state.restricted ? 'Show view' : 'Find';
    for (const radio of document.querySelectorAll('input[name="kind"]')) radio.disabled = state.restricted;
  }

  function fillOptions(items, append) {
    if (!append) {
      ui.subject.replaceChildren(h('option', { value: '' }, KIND[state.kind].choose));
    }
    for (const item of items) {
      ui.subject.append(h('option', { value: item.id }, item.name));
    }
    const count = ui.subject.options.length - 1;
    ui.listHint.textContent = `${count} ${count === 1 ? KIND[state.kind].one : KIND[state.kind].collection.replace('-', ' ')} listed${state.next ? ', more to load' : ''}.`;
    ui.more.hidden = !state.next;
  }

  async function loadList(append) {
    const seq = ++state.listSeq;
    clearProblem();
    applyKindLabels();
    say(`Loading ${KIND[state.kind].collection.replace('-', ' ')}…`);
    try {
      const page = await api(`${API}/${KIND[state.kind].collection}${query({ limit: PAGE_SIZE, cursor: append ? state.next : null })}`);
      if (seq !== state.listSeq) return;
      state.next = page.next_cursor || null;
      fillOptions(page.items, append);
      say('');
    } catch (problem) {
      if (seq !== state.listSeq) return;
      if (problem.status === 403 && !append) {
        // A customer key sees its own view only, and nothing else: not even
        // the list of customers, nor the internal catalogue.
        state.restricted = true;
        state.kind = 'customer';
        document.querySelector('input[name="kind"][value="customer"]').checked = true;
        applyKindLabels();
        setInternalAvailable(false, 'A key bound to one customer sees that customer\'s view only: the internal catalogue is not for it.');
        say('This key may not list customers: enter the id of its customer to see its view.');
        ui.find.focus();
        return;
      }
      say('');
      showProblem(problem, `Listing ${KIND[state.kind].collection.replace('-', ' ')}`);
    }
  }

  async function find() {
    const text = ui.find.value.trim();
    if (!text) return;
    if (state.restricted) {
      if (!UUID.test(text)) {
        showProblem(new Problem(0, { title: 'Not an id', detail: 'A customer id is a UUID, such as 0193a5c4-7d2e-7c41-9a40-2f6e1d3b8a14.' }));
        return;
      }
      state.subject = { kind: 'customer', id: text.toLowerCase() };
      loadView();
      return;
    }
    const seq = ++state.listSeq;
    clearProblem();
    const collection = KIND[state.kind].collection;
    say('Finding…');
    try {
      let items;
      if (UUID.test(text)) {
        items = [await api(`${API}/${collection}/${encodeURIComponent(text.toLowerCase())}`)];
      } else {
        items = (await api(`${API}/${collection}${query({ name: text, limit: PAGE_SIZE })}`)).items;
      }
      if (seq !== state.listSeq) return;
      state.next = null;
      fillOptions(items, false);
      ui.clearFind.hidden = false;
      if (items.length === 1) {
        ui.subject.value = items[0].id;
        selectSubject();
      } else {
        say(items.length ? `${items.length} found: choose one.` : `No ${KIND[state.kind].one} is named exactly “${text}”.`);
      }
    } catch (problem) {
      if (seq !== state.listSeq) return;
      say('');
      showProblem(problem, 'Finding');
    }
  }

  function selectSubject() {
    const id = ui.subject.value;
    state.subject = id ? { kind: state.kind, id } : null;
    if (state.subject) loadView();
    else {
      state.viewSeq++;
      state.view = null;
      renderView();
    }
  }

  // ---- the view ----

  async function loadView() {
    if (!state.subject) return;
    const day = ui.day.value;
    if (day && !DAY.test(day)) return;
    const seq = ++state.viewSeq;
    const { kind, id } = state.subject;
    clearProblem();
    say('Loading the view…');
    ui.view.setAttribute('aria-busy', 'true');
    let view;
    try {
      view = await api(`${API}/${KIND[kind].collection}/${encodeURIComponent(id)}/view${query({ on: day })}`);
    } catch (problem) {
      if (seq !== state.viewSeq) return;
      state.view = null;
      state.internal = null;
      renderView();
      say('');
      showProblem(problem, 'The view');
      return;
    }
    if (seq !== state.viewSeq) return;
    state.view = { kind, data: view };
    if (!state.internal || !state.internal.forbidden) state.internal = null;
    renderView();
    say('');
    if (ui.internal.checked) await loadInternal();
  }

  /** The full products behind the view's services, for the comparison. */
  async function loadInternal() {
    const current = state.view;
    if (!current || state.internal || state.internalFor === current) {
      renderView();
      return;
    }
    const view = current.data;
    // Dropped when the view changed meanwhile.
    const stale = () => state.view !== current;
    state.internalFor = current;
    const serviceIds = unique(view.offerings.flatMap((o) => o.services.map((s) => s.id)));
    const offeringIds = view.offerings.map((o) => o.id);
    say('Loading the internal catalogue…');
    ui.view.setAttribute('aria-busy', 'true');
    try {
      // One request first: a key that may not read the catalogue is told so
      // once, not once per service.
      const services = serviceIds.length ? [await api(`${API}/services/${encodeURIComponent(serviceIds[0])}`)] : [];
      if (stale()) return;
      services.push(...await mapLimit(serviceIds.slice(1), PARALLEL, (id) => api(`${API}/services/${encodeURIComponent(id)}`)));
      if (stale()) return;
      const productIds = unique(services.flatMap((s) => s.product_ids));
      const priceIds = unique(view.offerings.flatMap((o) => o.prices.map((p) => p.id)));
      const [products, components, offerings, prices] = await Promise.all([
        mapLimit(productIds, PARALLEL, (id) => api(`${API}/products/${encodeURIComponent(id)}`)),
        mapLimit(productIds, PARALLEL, (id) => listAll(`${API}/products/${encodeURIComponent(id)}/components`)),
        mapLimit(offeringIds, PARALLEL, (id) => api(`${API}/offerings/${encodeURIComponent(id)}`)),
        mapLimit(priceIds, PARALLEL, (id) => api(`${API}/prices/${encodeURIComponent(id)}`)),
      ]);
      if (stale()) return;
      state.internal = {
        services: new Map(services.map((s) => [s.id, s])),
        products: new Map(products.map((p) => [p.id, p])),
        components: new Map(productIds.map((id, i) => [id, components[i]])),
        offerings: new Map(offerings.map((o) => [o.id, o])),
        prices: new Map(prices.map((p) => [p.id, p])),
      };
      say('');
    } catch (problem) {
      if (stale()) return;
      say('');
      if (problem.status === 403) {
        state.internal = { forbidden: problem };
        setInternalAvailable(false, `This key may not read the internal catalogue: ${problem.detail || problem.title}`);
      } else {
        state.internalFor = null;
        ui.internal.checked = false;
        showProblem(problem, 'The internal catalogue');
      }
    }
    renderView();
  }

  function setInternalAvailable(available, why) {
    ui.internal.disabled = !available;
    if (!available) ui.internal.checked = false;
    ui.internalNote.textContent = available ? 'Compare with the full products behind the services.' : why;
    ui.internalNote.classList.toggle('warning', !available);
  }

  // ---- rendering ----

  function money(price) {
    return price ? `${price.amount} ${price.currency}` : 'on request';
  }

  function charge(price) {
    switch (price.price_type) {
      case 'recurring': return price.recurring_period ? `per ${price.recurring_period}` : 'recurring';
      case 'usage': return price.unit_of_measure ? `per ${price.unit_of_measure}` : 'by usage';
      case 'one_time': return 'one-time';
      default: return price.price_type || '';
    }
  }

  function validity(offering) {
    const from = offering.valid_from;
    const to = offering.valid_to;
    if (from && to) return `Valid from ${from} to ${to}`;
    if (from) return `Valid from ${from}`;
    if (to) return `Valid until ${to}`;
    return 'Valid with no end';
  }

  function section(title, ...content) {
    return h('section', { class: 'part' }, h('h4', null, title), ...content);
  }

  function renderPrices(offering) {
    if (!offering.prices.length) return section('Prices', h('p', { class: 'muted' }, 'No price.'));
    return section('Prices', h('ul', { class: 'prices' }, offering.prices.map((price) => h('li', {
      data: { testid: 'price', priceId: price.id, amount: price.price ? price.price.amount : '', currency: price.price ? price.price.currency : '' },
    },
    h('span', { class: 'price-name' }, price.name),
    h('span', { class: 'price-value' }, h('strong', { class: 'amount' }, money(price.price)), ' ', h('span', { class: 'muted' }, charge(price))),
    price.description ? h('span', { class: 'price-description muted' }, price.description) : null,
    listPrice(price)))));
  }

  /** In the comparison, the price before the overlays, where they changed it. */
  function listPrice(price) {
    const internal = state.internal && state.internal.prices && ui.internal.checked ? state.internal.prices.get(price.id) : null;
    if (!internal || money(internal.price) === money(price.price)) return null;
    return h('span', { class: 'price-description muted', data: { testid: 'list-price' } },
      h('span', { class: 'tag' }, 'internal'), ' tailored from ', money(internal.price));
  }

  function renderServiceLevels(offering) {
    if (!offering.service_levels.length) return null;
    return section('Service levels', h('ul', { class: 'levels' }, offering.service_levels.map((level) => h('li', { data: { testid: 'service-level' } },
      h('span', null, level.metric), ' ', h('strong', null, level.target, level.unit ? ` ${level.unit}` : '')))));
  }

  function renderElements(offering) {
    if (!offering.elements.length) return null;
    return section('Included', h('ul', { class: 'elements' }, offering.elements.map((element) => h('li', null,
      h('span', null, element.name), ' ', h('span', { class: 'kind-tag' }, ELEMENT_KIND[element.kind] || element.kind),
      element.description ? h('span', { class: 'muted block' }, element.description) : null))));
  }

  function visibleComponent(component, id) {
    return h('li', { class: 'component', data: { testid: 'component', internal: 'false', componentId: id } },
      h('span', { class: 'component-label' }, component.label),
      component.description ? h('span', { class: 'muted block' }, component.description) : null);
  }

  function internalComponent(component) {
    const what = component.role || 'component';
    return h('li', { class: 'component is-internal', data: { testid: 'component', internal: 'true', componentId: component.id } },
      h('span', { class: 'tag' }, 'internal'), ' ',
      h('span', { class: 'component-label' }, component.customer_label || what),
      h('span', { class: 'muted' }, ` ×${component.quantity}`),
      component.customer_label && component.role ? h('span', { class: 'muted block' }, component.role) : null);
  }

  /**
   * The service's components with the internal ones among them, grouped by
   * product; null when the internal catalogue no longer matches the view (it
   * changed in between), so that the view alone is shown.
   */
  function mergedComponents(service) {
    const internal = state.internal;
    const full = internal.services.get(service.id);
    if (!full) return null;
    const groups = [];
    const labels = [];
    for (const productId of full.product_ids) {
      const rows = internal.components.get(productId) || [];
      groups.push({ product: internal.products.get(productId), productId, rows });
      for (const row of rows) if (row.visibility === 'customer' && row.customer_label) labels.push(row.customer_label);
    }
    const shown = service.components.map((c) => c.label);
    if (labels.length !== shown.length || labels.some((label, i) => label !== shown[i])) return null;
    return groups;
  }

  function renderComponents(service) {
    const compare = state.internal && !state.internal.forbidden && ui.internal.checked;
    const groups = compare ? mergedComponents(service) : null;
    if (!groups) {
      const list = service.components.length
        ? h('ul', { class: 'components' }, service.components.map((c) => visibleComponent(c, null)))
        : h('p', { class: 'muted' }, 'No component shown to customers.');
      const stale = compare
        ? h('p', { class: 'hint warning' }, 'The catalogue changed since this view was read: load the view again to compare.')
        : null;
      return [list, stale];
    }
    let shown = 0;
    return groups.map(({ product, productId, rows }) => h('div', { class: 'product', data: { productId } },
      h('p', { class: 'product-name' }, h('span', { class: 'tag' }, 'internal'), ' product ',
        h('span', null, product ? product.name : productId),
        product && product.lifecycle_status ? h('span', { class: 'muted' }, ` · ${product.lifecycle_status}`) : null),
      rows.length
        ? h('ul', { class: 'components' }, rows.map((row) => (row.visibility === 'customer' && row.customer_label
          ? visibleComponent(service.components[shown++], row.id)
          : internalComponent(row))))
        : h('p', { class: 'muted' }, 'No component.')));
  }

  function renderService(service) {
    const warranty = [];
    if (service.warranty.availability_target) warranty.push(['Availability', `${service.warranty.availability_target} %`]);
    if (service.warranty.support_hours) warranty.push(['Support', service.warranty.support_hours]);
    return h('li', { class: 'service', data: { serviceId: service.id } },
      h('h5', null, service.name),
      service.description ? h('p', { class: 'muted' }, service.description) : null,
      service.utility.purpose ? h('p', null, service.utility.purpose) : null,
      service.utility.outcomes.length ? h('ul', { class: 'outcomes' }, service.utility.outcomes.map((o) => h('li', null, o))) : null,
      warranty.length ? h('dl', { class: 'warranty' }, warranty.map(([term, value]) => [h('dt', null, term), h('dd', null, value)])) : null,
      h('div', { class: 'service-components', role: 'group', 'aria-label': `What ${service.name} is made of` }, renderComponents(service)));
  }

  function renderOffering(offering) {
    const base = state.internal && state.internal.offerings && ui.internal.checked ? state.internal.offerings.get(offering.id) : null;
    return h('article', { class: 'card', data: { testid: 'offering', offeringId: offering.id }, 'aria-labelledby': `offering-${offering.id}` },
      h('header', null,
        h('h3', { id: `offering-${offering.id}`, data: { testid: 'offering-name' } }, offering.name),
        h('p', { class: 'muted' }, validity(offering)),
        base && base.name !== offering.name
          ? h('p', { class: 'base-name', data: { testid: 'base-name' } }, h('span', { class: 'tag' }, 'internal'), ' tailored from ', h('span', null, base.name))
          : null),
      offering.description ? h('p', null, offering.description) : null,
      renderPrices(offering),
      renderServiceLevels(offering),
      renderElements(offering),
      section('Services', offering.services.length
        ? h('ul', { class: 'services' }, offering.services.map(renderService))
        : h('p', { class: 'muted' }, 'No service in the catalogue.')));
  }

  function renderAgreements(view) {
    const agreements = view.agreements || [];
    ui.agreements.hidden = !agreements.length;
    const names = new Map(view.offerings.map((o) => [o.id, o.name]));
    ui.agreementRows.replaceChildren(...agreements.map((a) => h('tr', null,
      h('td', null, a.offering_id && names.has(a.offering_id) ? names.get(a.offering_id) : h('span', { class: 'muted' }, 'not in this view')),
      h('td', null, a.status),
      h('td', null, a.starts_on || '—'),
      h('td', null, a.ends_on || '—'))));
  }

  function renderView() {
    ui.view.setAttribute('aria-busy', 'false');
    const current = state.view;
    if (!current) {
      ui.view.hidden = true;
      ui.offerings.replaceChildren();
      ui.agreementRows.replaceChildren();
      return;
    }
    const view = current.data;
    const who = view.customer || view.consumer_group;
    ui.viewTitle.textContent = who ? who.name : '';
    const count = view.offerings.length;
    const as = current.kind === 'group' ? 'As a prospective customer of this consumer group sees it' : 'As this customer sees it';
    ui.viewMeta.textContent = `${as} on ${view.on}: ${count} ${count === 1 ? 'offering' : 'offerings'}.`;
    ui.offerings.replaceChildren(...(count
      ? view.offerings.map(renderOffering)
      : [h('p', { class: 'empty' }, 'No offering is shown on this day.')]));
    renderAgreements(view);
    ui.view.hidden = false;
  }

  // ---- wiring ----

  ui.keyForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const key = ui.key.value.trim();
    if (key) connect(key);
  });
  ui.forget.addEventListener('click', forget);
  ui.subjectForm.addEventListener('submit', (event) => {
    event.preventDefault();
    find();
  });
  for (const radio of document.querySelectorAll('input[name="kind"]')) {
    radio.addEventListener('change', () => {
      if (!radio.checked) return;
      state.kind = radio.value;
      resetSubject();
      loadList(false);
    });
  }
  ui.subject.addEventListener('change', selectSubject);
  ui.more.addEventListener('click', () => loadList(true));
  ui.findButton.addEventListener('click', find);
  ui.find.addEventListener('keydown', (event) => {
    if (event.key === 'Enter') {
      event.preventDefault();
      find();
    }
  });
  ui.clearFind.addEventListener('click', () => {
    ui.find.value = '';
    ui.clearFind.hidden = true;
    loadList(false);
  });
  ui.day.addEventListener('change', () => loadView());
  ui.internal.addEventListener('change', () => {
    if (ui.internal.checked && state.view && !state.internal) loadInternal();
    else renderView();
  });

  ui.day.value = new Date().toISOString().slice(0, 10);
  let kept = null;
  try {
    kept = sessionStorage.getItem(KEY_STORE);
  } catch {
    kept = null;
  }
  if (kept) {
    ui.key.value = kept;
    ui.remember.checked = true;
    connect(kept);
  }
})();
