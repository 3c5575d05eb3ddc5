using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using ChatSurvey.Dispatcher.Tests.Import;
using ChatSurvey.Dispatcher.Tests.Waves;
using ChatSurvey.Domain.Time;

namespace ChatSurvey.Dispatcher.Tests.Time;

/// <summary>
/// Scheduling must not depend on the machine's zone (servers and CI are not in Vietnam): the pure scheduling tests run
/// again in a child process of this test app whose machine zone (TZ) is each of these, far from UTC+07:00 on both sides
/// and UTC itself. Code that read <see cref="TimeZoneInfo.Local"/>, <c>DateTime.Now</c> or <c>DateTime.Today</c>
/// would give other answers there than the literals those tests pin.
/// </summary>
public sealed partial class MachineZoneTests
{
    private static readonly Type[] ZoneSensitiveTests = [typeof(VietnamTimeAnswersTests), typeof(SendScheduleTests), typeof(TransactionRowValidatorTests)];

    [Theory]
    [InlineData("Pacific/Kiritimati")] // UTC+14: the next day when Vietnam's evening begins
    [InlineData("Pacific/Pago_Pago")] // UTC−11: still the day before for most of Vietnam's day
    [InlineData("Etc/UTC")] // the usual server zone
    public async Task Scheduling_Should_GiveTheVietnamAnswers_When_MachineRunsInAnotherZone(string zone)
    {
        // Linux takes the process's zone from TZ; the zone must exist in the machine's time-zone data (tzdata).
        var machineZone = TimeZoneInfo.FindSystemTimeZoneById(zone);
        Assert.NotEqual(VietnamTime.Offset, machineZone.BaseUtcOffset);

        var (exitCode, output) = await RunTestsAsync(zone, ZoneSensitiveTests);

        Assert.True(exitCode == 0, $"With TZ={zone} the scheduling tests gave other answers (exit code {exitCode}):\n{output}");
        // xunit's summary line, e.g. "Total: 41, Errors: 0, Failed: 0, Skipped: 0": the classes were found and ran.
        var summary = Summary().Match(output);
        Assert.True(summary.Success && int.Parse(summary.Groups["total"].Value, CultureInfo.InvariantCulture) > 0,
            $"With TZ={zone} no scheduling test ran:\n{output}");
    }

    [GeneratedRegex(@"Total: (?<total>[0-9]+), Errors: 0, Failed: 0")]
    private static partial Regex Summary();

    /// <summary>Runs the test app itself (xunit's in-process runner) on the given classes, with TZ set.</summary>
    private static async Task<(int ExitCode, string Output)> RunTestsAsync(string zone, IEnumerable<Type> classes)
    {
        var testApp = typeof(MachineZoneTests).Assembly.Location;
        var appHost = Path.ChangeExtension(testApp, OperatingSystem.IsWindows() ? ".exe" : null);
        var info = File.Exists(appHost)
            ? new ProcessStartInfo(appHost)
            : new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet") { ArgumentList = { testApp } };
        info.ArgumentList.Add("-noLogo");
        info.ArgumentList.Add("-noColor");
        foreach (var type in classes)
        {
            info.ArgumentList.Add("-class");
            info.ArgumentList.Add(type.FullName!);
        }

        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.UseShellExecute = false;
        info.Environment["TZ"] = zone;
        // A plain run of the test app, not a child of the `dotnet test` session that started this one.
        foreach (var key in info.Environment.Keys.Where(k => k.StartsWith("TESTINGPLATFORM_", StringComparison.OrdinalIgnoreCase)).ToList())
            info.Environment.Remove(key);

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {info.FileName}");
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(3));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        var output = new StringBuilder().Append(await stdout).Append(await stderr).ToString();
        return (process.ExitCode, output);
    }
}
