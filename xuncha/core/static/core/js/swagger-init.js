// Swagger UI for /api/v1/docs: settings from the page's JSON block, CSRF token for the
// session cookie (no inline script: the Content-Security-Policy forbids it).
(function () {
  "use strict";
  const config = JSON.parse(document.getElementById("swagger-settings").textContent);
  const csrf = document.body.dataset.csrfToken;
  config.dom_id = "#swagger-ui";
  config.presets = [SwaggerUIBundle.presets.apis];
  if (csrf) {
    config.requestInterceptor = function (req) {
      req.headers["X-CSRFToken"] = csrf;
      return req;
    };
  }
  SwaggerUIBundle(config);
})();
