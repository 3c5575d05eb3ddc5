using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Antiforgery;

namespace ChatSurvey.BotHost.Admin;

/// <summary>Small server-rendered pages: one layout, every value HTML-encoded by <see cref="E"/>.</summary>
internal static class Html
{
    public static string E(string? value) => HtmlEncoder.Default.Encode(value ?? "");

    public static string Antiforgery(IAntiforgery antiforgery, HttpContext context)
    {
        var tokens = antiforgery.GetAndStoreTokens(context);
        return $"""<input type="hidden" name="{E(tokens.FormFieldName)}" value="{E(tokens.RequestToken)}">""";
    }

    public static IResult Page(string title, string body) => Results.Content($$"""
        <!doctype html>
        <html lang="vi">
        <head>
          <meta charset="utf-8">
          <meta name="viewport" content="width=device-width, initial-scale=1">
          <title>{{E(title)}} · ChatSurvey</title>
          <style>
            body { font-family: system-ui, sans-serif; margin: 0; background: #f4f6f9; color: #1b2733; }
            header { background: #0b5394; color: #fff; padding: .8rem 1.2rem; }
            main { max-width: 52rem; margin: 1.2rem auto; padding: 0 1rem; }
            .card { background: #fff; border-radius: .5rem; padding: 1rem 1.2rem; box-shadow: 0 1px 3px #0002; margin-bottom: 1rem; }
            label { display: block; margin: .5rem 0; }
            input, textarea { display: block; width: 100%; padding: .5rem; margin-top: .25rem; box-sizing: border-box; font: inherit; }
            button { background: #0b5394; color: #fff; border: 0; border-radius: .35rem; padding: .55rem 1.1rem; font: inherit; cursor: pointer; }
            .error { color: #b00020; }
            .msg { padding: .45rem .7rem; border-radius: .5rem; margin: .35rem 0; max-width: 85%; white-space: pre-wrap; }
            .out { background: #e8f0fe; } .in { background: #d9f7d9; margin-left: auto; text-align: right; }
            .meta { font-size: .8rem; color: #5a6b7b; }
          </style>
        </head>
        <body>
          <header><strong>ChatSurvey</strong> · {{E(title)}}</header>
          <main>{{body}}</main>
        </body>
        </html>
        """, "text/html; charset=utf-8");
}
