# The production image: gunicorn serving Sejahtera with WhiteNoise, as a non-root user, without
# build tools. `docker compose up` (compose.yaml) runs it with PostgreSQL and the task worker.
#   docker build -t sejahtera .                      the web server, worker and commands
#   docker build --build-arg WITH_SPARK=1 -t sejahtera .   plus pyspark and a JRE, for Spark
ARG PYTHON=python:3.11-slim-bookworm

FROM ${PYTHON} AS build
ARG WITH_SPARK=0
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY src ./src
RUN python -m venv /opt/sejahtera \
 && /opt/sejahtera/bin/pip install "$( [ "$WITH_SPARK" = 1 ] && echo '.[spark]' || echo . )"

FROM ${PYTHON}
ARG WITH_SPARK=0
# Pango for WeasyPrint's PDFs (decrees, case files) and a font that has Indonesian's letters;
# a headless JRE only when the image also runs Spark.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core \
    $( [ "$WITH_SPARK" = 1 ] && echo openjdk-17-jre-headless ) \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --create-home --home-dir /var/lib/sejahtera sejahtera
COPY --from=build /opt/sejahtera /opt/sejahtera
ENV PATH=/opt/sejahtera/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    SEJAHTERA_HOME=/var/lib/sejahtera \
    SEJAHTERA_PRODUCTION=1
USER sejahtera
WORKDIR /var/lib/sejahtera
# Collected once here, not at every start. The throw-away key keeps a generated one out of the
# image: every installation makes its own.
RUN SEJAHTERA_SECRET_KEY=collect-static-only sejahtera collect-static
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s \
  CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"
CMD ["sejahtera", "serve", "--production", "--without-worker", "--host", "0.0.0.0:8000"]
