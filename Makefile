# Pain diary: `make run` serves the app with the demo patient; `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export FLASK_APP := diary

NPM_CACHE := .cache/npm
# The pinned CDN files (served to the browser tests in place of jsDelivr) and axe-core.
NPM_PACKAGES := chart.js@4.6.1 chartjs-plugin-annotation@3.1.0 chartjs-adapter-date-fns@3.0.0 axe-core@4.14.1

.PHONY: run test test-sqlite test-postgres lint security install browser pdf npm-assets clean bench translations

# The message catalogues (PRODUCT.md section 15): .po files are committed, .mo files built here.
CATALOGUES := diary/translations
POT := $(CATALOGUES)/messages.pot
MO_FILES := $(patsubst %.po,%.mo,$(wildcard $(CATALOGUES)/*/LC_MESSAGES/messages.po))
# Module-level labels use lazy_gettext (imported as _l); ngettext's plural pairs are found by
# default. Comments starting "TRANSLATORS:" above a message go into the catalogue for translators.
EXTRACT := $(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k lazy_ngettext:1,2 \
	--add-comments=TRANSLATORS: \
	--no-wrap --sort-by-file --project=diary --copyright-holder="Pain diary" -o $(POT) .

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

%.mo: %.po $(STAMP)
	$(BIN)/pybabel compile --statistics -i $< -o $@

install: $(STAMP) $(MO_FILES)

# After changing a message: extract the .pot, merge it into every locale's .po (translate the
# new and changed entries there), then compile the .mo files.
translations: $(STAMP)
	$(EXTRACT)
	$(BIN)/pybabel update -i $(POT) -d $(CATALOGUES) --no-wrap --no-fuzzy-matching --ignore-obsolete
	$(MAKE) $(MO_FILES)

run: $(STAMP) $(MO_FILES)
	$(BIN)/flask db upgrade
	$(BIN)/flask seed-demo
	@echo "Open http://127.0.0.1:5000 and log in as demo@example.com / sciatica-demo (a patient) or practitioner@example.com / acupuncture-demo"
	@# The reminder sender runs beside the web server and stops with it.
	export FLASK_PUBLIC_URL=http://127.0.0.1:5000 FLASK_SESSION_COOKIE_SECURE=false FLASK_REMEMBER_COOKIE_SECURE=false; \
	  $(BIN)/flask reminders run & sender=$$!; \
	  trap 'kill $$sender 2>/dev/null' EXIT INT TERM; \
	  $(BIN)/flask run --host 127.0.0.1 --port 5000

# $(call apt_install,package,what happens without it): a Debian package, as root or with sudo.
define apt_install
if command -v apt-get >/dev/null && { [ "$$(id -u)" = 0 ] || command -v sudo >/dev/null; }; then \
	    sudo=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	    ($$sudo apt-get update -qq && $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(1) >/dev/null) \
	      || echo "warning: could not install $(1): $(2)"; \
	  else echo "warning: no apt-get: $(2)"; fi
endef

# Debian's Chromium for the browser tests (Playwright cannot download its own here), and
# poppler-utils to read the reports they print to PDF.
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
	  $(call apt_install,chromium,browser tests will be skipped (they fail under CI=true)); \
	fi
	@if ! command -v pdftotext >/dev/null; then \
	  $(call apt_install,poppler-utils,printed-report tests will be skipped (they fail under CI=true)); \
	fi

# WeasyPrint's Pango and the fonts the course-summary PDF is set in (Noto: Latin, Greek,
# Cyrillic, and Chinese for the zh locales); deployment needs the same packages (README).
PDF_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 fonts-noto-core fonts-noto-cjk
pdf:
	@missing=$$(for package in $(PDF_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$package 2>/dev/null | grep -q 'ok installed' || printf '%s ' $$package; \
	done); \
	if [ -n "$$missing" ]; then \
	  $(call apt_install,$$missing,the course-summary PDF cannot be drawn (its tests fail)); \
	fi

# `npm pack` each package into .cache/npm/<name>@<version>/package (no node_modules, no build).
npm-assets:
	@mkdir -p $(NPM_CACHE)
	@for spec in $(NPM_PACKAGES); do \
	  if [ ! -d "$(NPM_CACHE)/$$spec/package" ]; then \
	    mkdir -p "$(NPM_CACHE)/$$spec" && \
	    tarball=$$(cd "$(NPM_CACHE)/$$spec" && npm pack --silent "$$spec" 2>/dev/null | tail -n 1) && \
	    tar -xzf "$(NPM_CACHE)/$$spec/$$tarball" -C "$(NPM_CACHE)/$$spec" && rm -f "$(NPM_CACHE)/$$spec/$$tarball" \
	    || { echo "warning: npm pack $$spec failed"; rm -rf "$(NPM_CACHE)/$$spec"; }; \
	  fi; \
	done

lint: $(STAMP)
	$(BIN)/ruff check diary tests bench

security: $(STAMP)
	$(BIN)/bandit -q -r diary -ll

# Every test on SQLite, then every test again on a throwaway PostgreSQL cluster (tests/postgres.sh
# installs Debian's postgresql with apt where it can). Under CI=true PostgreSQL must be there.
test: $(STAMP) browser pdf npm-assets lint security test-sqlite test-postgres

test-sqlite: $(STAMP) $(MO_FILES)
	$(BIN)/pytest

test-postgres: $(STAMP) $(MO_FILES)
	@url=$$(tests/postgres.sh start); status=$$?; \
	if [ $$status -ne 0 ]; then \
	  if [ "$$CI" = "true" ]; then echo "error: PostgreSQL is needed under CI=true"; exit 1; fi; \
	  echo "warning: no PostgreSQL here: the PostgreSQL run is skipped"; exit 0; \
	fi; \
	echo "PostgreSQL run on $$url"; \
	TEST_DATABASE_URL=$$url $(BIN)/pytest -p no:cacheprovider; result=$$?; \
	tests/postgres.sh stop; exit $$result

# PRODUCT.md sections 9 and 16 on gunicorn: wrk (from apt where it can; else a Python load
# generator), pdfinfo for the summary's pages, Lighthouse through npx. Prints a table and writes bench/results.json.
bench: $(STAMP) $(MO_FILES) npm-assets
	@$(BIN)/python -c 'import gunicorn' 2>/dev/null || $(BIN)/pip install --quiet -e '.[test,bench]'
	@if ! command -v wrk >/dev/null; then \
	  $(call apt_install,wrk,the Python load generator will be used); \
	fi
	@if ! command -v pdfinfo >/dev/null; then \
	  $(call apt_install,poppler-utils,the course summary's pages will not be counted); \
	fi
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) .pytest_cache .cache
