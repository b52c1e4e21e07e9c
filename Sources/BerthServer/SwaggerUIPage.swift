import Hummingbird

/// `GET /docs`: a Swagger UI page for `/openapi.json`, as FastAPI serves one. The page loads Swagger UI's script and
/// stylesheet from `BERTH_SWAGGER_UI_URL` (a public CDN by default), so the binary carries no third-party
/// JavaScript; the URL is written into the page escaped, never as markup or script.
enum SwaggerUIPage {
    static func response(swaggerUIURL: String) -> Response {
        let base = escaped(swaggerUIURL)
        let page = """
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <title>Berth API</title>
            <link rel="stylesheet" href="\(base)/swagger-ui.css">
            </head>
            <body>
            <div id="swagger-ui"></div>
            <script src="\(base)/swagger-ui-bundle.js"></script>
            <script>
            window.onload = function () {
              window.ui = SwaggerUIBundle({ url: "openapi.json", dom_id: "#swagger-ui", deepLinking: true });
            };
            </script>
            </body>
            </html>

            """
        return Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(string: page)))
    }

    /// `text` safe inside a double-quoted HTML attribute.
    static func escaped(_ text: String) -> String {
        var result = ""
        for character in text {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            default: result.append(character)
            }
        }
        return result
    }
}
