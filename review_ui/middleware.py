"""Placeholder middleware; the review UI helper fills this in."""


class SecurityHeadersMiddleware:
    def __init__(self, get_response):  # noqa: ANN001
        self.get_response = get_response

    def __call__(self, request):  # noqa: ANN001
        return self.get_response(request)


LoginRequiredEverywhereMiddleware = SecurityHeadersMiddleware
