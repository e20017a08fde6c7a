# Varnish in front of Therapy Explorer's app servers (Varnish 6 or 7, VCL 4.1; no vmods beyond std).
#
# - Caches what the app marks `Cache-Control: public, s-maxage=N` (anonymous public pages) for N seconds;
#   everything else (private, a Set-Cookie, the admin) passes straight through.
# - Looks a request up only without the cookies that make a page personal (Django's session and
#   messages cookies, and te_primary, which pins a browser that just wrote to the primary database);
#   other cookies are dropped from GET/HEAD requests so they cannot split the cache.
# - Purge by surrogate key: the app (explorer/purge.py, CACHE_PURGE_BACKEND=varnish) sends
#   `BAN /` with `X-Purge-Regex: (^|[^a-z0-9-])(approach-cbt|list)([^a-z0-9-]|$)`; every object whose Surrogate-Key header
#   matches is banned. Only addresses in the `purgers` ACL may ban.
# The backend below is the compose service "app" (or nginx in front of the replicas); in Kubernetes the
# app's Service. Tests substitute the host and port.
vcl 4.1;

import std;

backend default {
    .host = "web";
    .port = "8000";
    .connect_timeout = 2s;
    .first_byte_timeout = 30s;
    .probe = {
        .url = "/healthz";
        .interval = 5s;
        .timeout = 2s;
        .window = 5;
        .threshold = 3;
        .initial = 3;  # healthy until probes say otherwise: no wait at start-up
    }
}

acl purgers {
    "localhost";
    "127.0.0.1";
    "::1";
    "10.0.0.0"/8;
    "172.16.0.0"/12;
    "192.168.0.0"/16;
}

sub vcl_recv {
    if (req.method == "BAN") {
        if (client.ip !~ purgers) {
            return (synth(405, "Not allowed"));
        }
        if (!req.http.X-Purge-Regex) {
            return (synth(400, "X-Purge-Regex missing"));
        }
        if (std.ban("obj.http.Surrogate-Key ~ " + req.http.X-Purge-Regex)) {
            return (synth(200, "Banned"));
        }
        return (synth(400, std.ban_error()));
    }
    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }
    if (req.url ~ "^/admin/" || req.http.Authorization) {
        return (pass);
    }
    if (req.http.Cookie ~ "(^|;\s*)(sessionid|messages|te_primary)=") {
        return (pass);
    }
    unset req.http.Cookie;
    return (hash);
}

sub vcl_backend_response {
    # Varnish already honours s-maxage, and does not cache a response with Set-Cookie or "private".
    # Bans are tested against the object, so keep its Surrogate-Key; a ban lurker can then work in the
    # background because the ban names only obj.* fields.
    if (beresp.http.Cache-Control ~ "(private|no-store)") {
        set beresp.uncacheable = true;
        set beresp.ttl = 120s;
        return (deliver);
    }
}

sub vcl_deliver {
    if (obj.hits > 0) {
        set resp.http.X-Cache = "HIT";
    } else {
        set resp.http.X-Cache = "MISS";
    }
    # Surrogate keys are for caches, not browsers.
    unset resp.http.Surrogate-Key;
    unset resp.http.Cache-Tag;
}
