"""moto's S3 server with its authentication on, for relay tests.

moto checks a SigV4 signature by recomputing it over the query string
exactly as it arrived (botocore's `_canonical_query_string_url` takes each
`key=value` verbatim), while S3 itself, MinIO and Garage first encode each
name and value canonically (RFC 3986, `/` as `%2F`). opendal sends
`prefix=a/b/` and signs `prefix=a%2Fb%2F`, as SigV4 says, so moto refused
every listing with SignatureDoesNotMatch (getmoto/moto#5948). This puts
the query string into its canonical form before moto sees it; the values
moto parses are unchanged, and a wrong key is still refused.

    python moto_s3.py HOST PORT
"""

import sys
from urllib.parse import quote, unquote_plus

from werkzeug.serving import run_simple

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)


def canonical(query: str) -> str:
    def enc(part: str) -> str:
        return quote(unquote_plus(part), safe="-_.~")

    pairs = []
    for pair in query.split("&"):
        if not pair:
            continue
        key, sep, value = pair.partition("=")
        pairs.append(enc(key) + sep + enc(value))
    return "&".join(pairs)


class CanonicalQuery:
    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        query = environ.get("QUERY_STRING", "")
        if query:
            environ["QUERY_STRING"] = canonical(query)
        return self.app(environ, start_response)


def main() -> None:
    host, port = sys.argv[1], int(sys.argv[2])
    app = DomainDispatcherApplication(create_backend_app)
    run_simple(
        host,
        port,
        CanonicalQuery(app),
        threaded=True,
        request_handler=MotoRequestHandler,
    )


if __name__ == "__main__":
    main()
