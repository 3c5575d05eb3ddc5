using System.Net;
using System.Net.Http.Json;
using System.Text;
using ChatSurvey.Dispatcher.Import;
using ChatSurvey.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace ChatSurvey.BotHost.Tests.Pages.Imports;

/// <summary>
/// An administrator uploads a file in a real browser and watches its report appear. The host runs no Hangfire server:
/// the test runs the import job once the page is waiting, so the report can only arrive through imports.js.
/// </summary>
[Collection(Browser.Collection)]
public sealed class ImportsBrowserTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ReportPage_Should_ShowTheReportWithoutReloading_When_TheImportFinishes()
    {
        await using var database = await (await PostgresServer.GetAsync()).CreateDatabaseAsync();
        var (factory, baseUrl) = BotHostFactory.StartOnKestrel(database.ConnectionString,
        [
            new("Dispatcher:Enabled", "false"),
            new("WebChat:TokenSigningKey", "imports-browser-tests-signing-key-0123456789"),
        ]);
        await using var _ = factory;
        var file = Path.Combine(Path.GetTempPath(), $"giao-dich-{Guid.NewGuid():N}.csv");
        await File.WriteAllTextAsync(file,
            """
            dossier_code,agency_code,procedure_code,phone,result_date,applicant_name
            HS-1,HP-STP,DEMO-LLTP,0912000001,2025-03-01,Nguyễn Văn An
            HS-2,HP-STP,DEMO-LLTP,0912000002,2025-03-02,Trần Thị Bình
            HS-1,HP-STP,DEMO-LLTP,0912000003,2025-03-03,
            HS-4,HP-STP,DEMO-LLTP,12345,2025-03-04,
            HS-5,KHONG-CO,DEMO-LLTP,0912000005,2025-03-05,
            """, new UTF8Encoding(false), Cancel);

        try
        {
            await using var browser = await Browser.LaunchAsync();
            var page = await browser.SignedInPageAsync(baseUrl);
            await page.GotoAsync(baseUrl + "/admin/imports");
            Assert.True(await page.GetByRole(AriaRole.Link, new() { Name = "Tải tệp CSV mẫu" }).IsVisibleAsync());

            await page.GetByLabel("Tệp CSV hoặc Excel").SetInputFilesAsync(file);
            await page.GetByRole(AriaRole.Button, new() { Name = "Tải lên và nhập" }).ClickAsync();
            await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex(@"/admin/imports/\d+$"), new() { Timeout = 30_000 });
            await Assertions.Expect(page.Locator("#import-status")).ToHaveTextAsync("Đang chờ xử lý");
            await Assertions.Expect(page.Locator("#import-progress")).ToBeVisibleAsync();

            // Mark this document: a reload or navigation would lose the mark.
            await page.EvaluateAsync("() => { window.__sameDocument = true; }");
            var importId = long.Parse(page.Url[(page.Url.LastIndexOf('/') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
            await factory.Services.GetRequiredService<ImportJob>().RunAsync(importId, Cancel);

            await Assertions.Expect(page.Locator("#import-status")).ToHaveTextAsync("Hoàn tất", new() { Timeout = 15_000 });
            await Assertions.Expect(page.Locator("#accepted")).ToHaveTextAsync("2");
            await Assertions.Expect(page.Locator("#duplicates")).ToHaveTextAsync("1");
            await Assertions.Expect(page.Locator("#rejected")).ToHaveTextAsync("2");
            var rows = page.Locator("#rejected-table tbody tr");
            await Assertions.Expect(rows).ToHaveCountAsync(2);
            await Assertions.Expect(rows.Nth(0)).ToContainTextAsync("không phải số điện thoại hợp lệ");
            await Assertions.Expect(rows.Nth(1)).ToContainTextAsync("mã đơn vị 'KHONG-CO' không có trong danh mục");
            Assert.True(await page.EvaluateAsync<bool>("() => window.__sameDocument === true"), "The report arrived without a reload.");
            await Assertions.Expect(page.Locator("#import-progress")).ToHaveCountAsync(0);

            // The rejected rows download from the report.
            var download = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Button, new() { Name = "Tải danh sách dòng bị loại (CSV)" }).ClickAsync());
            Assert.Equal($"nhap-{importId}-dong-bi-loai.csv", download.SuggestedFilename);
            var csv = await File.ReadAllTextAsync(await download.PathAsync(), Cancel);
            Assert.Contains("5,phone,is not a valid phone number", csv, StringComparison.Ordinal);

            await Browser.ScreenshotAsync(page, "import");

            // The other intake pages render in the layout: the recent imports, the catalogue tree, the QR sheet, the simulator.
            await page.GotoAsync(baseUrl + "/admin/imports");
            await Assertions.Expect(page.Locator("#imports-table tbody tr").First).ToContainTextAsync("Hoàn tất");
            await Browser.ScreenshotAsync(page, "imports");
            await page.GotoAsync(baseUrl + "/admin/catalogue");
            await Assertions.Expect(page.Locator("#agency-table tbody tr[data-code='HP-STP']")).ToContainTextAsync("Sở Tư pháp");
            await Browser.ScreenshotAsync(page, "catalogue");
            await page.GotoAsync(baseUrl + "/admin/qr?kind=ward");
            var images = page.Locator(".qr-card img");
            Assert.True(await images.CountAsync() > 1);
            // Every QR image has loaded (a broken one has no natural width).
            await page.WaitForFunctionAsync("() => [...document.querySelectorAll('.qr-card img')].every(i => i.complete && i.naturalWidth > 0)");
            await page.EmulateMediaAsync(new() { Media = Media.Print });
            Assert.False(await page.Locator(".qr-filter").IsVisibleAsync(), "The filter is not printed.");
            await Browser.ScreenshotAsync(page, "qr-print");
            await page.EmulateMediaAsync(new() { Media = Media.Screen });
            // The simulator: an invitation in the outbox, its conversation open; a reply that arrives meanwhile (here
            // through the JSON API) shows up in the open page by itself.
            using var api = new HttpClient { BaseAddress = new Uri(baseUrl) };
            api.DefaultRequestHeaders.Add("X-Api-Key", BotHostFactory.AdminKey);
            using (var invite = await api.PostAsJsonAsync("/api/admin/invitations",
                new { phone = "0912000009", agencyCode = "HP-STP", procedureCode = "DEMO-LLTP", questionnaire = "sipas-sms" }, Cancel))
                Assert.Equal(HttpStatusCode.Created, invite.StatusCode);
            await page.GotoAsync(baseUrl + "/admin/simulator");
            await page.Locator("#outbox tbody a").First.ClickAsync();
            await Assertions.Expect(page.Locator("#conversation-lines .msg.out")).ToHaveCountAsync(1);
            await page.EvaluateAsync("() => { window.__sameDocument = 'simulator'; }");
            using (var reply = await api.PostAsJsonAsync("/api/admin/simulator/messages", new { from = "+84912000009", body = "4" }, Cancel))
                Assert.Equal(HttpStatusCode.OK, reply.StatusCode);
            await Assertions.Expect(page.Locator("#conversation-lines .msg.in")).ToHaveCountAsync(1, new() { Timeout = 10_000 });
            await Assertions.Expect(page.Locator("#conversation-lines .msg.out").Last).ToContainTextAsync("Cau 2/7");
            Assert.Equal("simulator", await page.EvaluateAsync<string>("() => window.__sameDocument"));
            await Browser.ScreenshotAsync(page, "simulator");
        }
        finally
        {
            File.Delete(file);
        }
    }
}
