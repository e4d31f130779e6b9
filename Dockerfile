# Builds the release binary, then runs it on a slim image with libpq, as
# an unprivileged user; configuration comes from the environment only.
FROM rust:1-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src src
COPY migrations migrations
COPY openapi openapi
RUN cargo build --release --locked

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends libpq5 ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /var/lib/vitrine --create-home vitrine
COPY --from=build /src/target/release/vitrine /usr/local/bin/vitrine
USER vitrine
WORKDIR /var/lib/vitrine
ENV VITRINE_BIND=0.0.0.0:8080
EXPOSE 8080
STOPSIGNAL SIGTERM
ENTRYPOINT ["vitrine"]
CMD ["serve"]
