/// The fleet page's mustache template (see `FleetPage`): plain HTML and CSS, no script.
///
/// Strings that come from outside (cluster names) are HTML-escaped by mustache (`{{…}}`); what the
/// receiver formats itself (counts, times) is inserted as it is (`{{{…}}}`). A cluster's host rows
/// come whole from `FleetHostRows` (which escapes host names and agent versions itself).
enum FleetPageTemplate {
    static let html = """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta http-equiv="refresh" content="60">
        <title>Fathom fleet</title>
        <style>
        body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; }
        h1 { margin: 0 0 .2em; } h2 { margin: 1.4em 0 .4em; }
        p.generated { color: #666; margin: 0 0 1em; }
        table { border-collapse: collapse; }
        th, td { padding: .25em .7em; border-bottom: 1px solid #ddd; text-align: left; white-space: nowrap; }
        th { background: #f4f4f4; }
        td.num { text-align: right; }
        .badge { display: inline-block; min-width: 4.5em; text-align: center; border-radius: 3px; padding: 0 .4em; }
        .badge.silent, td.silent { background: #f8d0d0; color: #8a0000; font-weight: bold; }
        .badge.late, td.late { background: #fbe7b8; color: #7a5200; }
        .badge.online, td.online { background: #d3efd5; color: #17591c; }
        small { color: #777; }
        </style>
        </head>
        <body>
        <h1>Fleet</h1>
        <p class="generated">{{hostCount}} hosts, {{silentCount}} silent · {{generatedAt}} · refreshes every minute</p>
        <table class="summary">
        <thead><tr><th>cluster</th><th>silent</th><th>late</th><th>online</th></tr></thead>
        <tbody>
        {{#clusters}}
        <tr data-cluster="{{name}}"><td><a href="#cluster-{{name}}">{{name}}</a></td><td class="num silent-count{{#anySilent}} silent{{/anySilent}}">{{{silent}}}</td><td class="num">{{{late}}}</td><td class="num">{{{online}}}</td></tr>
        {{/clusters}}
        </tbody>
        </table>
        {{^clusters}}<p>No host has uploaded yet.</p>{{/clusters}}
        {{#clusters}}
        <section id="cluster-{{name}}">
        <h2>{{name}}</h2>
        <table class="hosts">
        <thead><tr><th>host</th><th>state</th><th>last upload</th><th>last sample</th><th>cadence</th><th>cores</th><th>memory</th><th>GPUs</th><th>agent</th><th>spool backlog</th></tr></thead>
        <tbody>
        {{{hostRows}}}</tbody>
        </table>
        </section>
        {{/clusters}}
        </body>
        </html>

        """
}
