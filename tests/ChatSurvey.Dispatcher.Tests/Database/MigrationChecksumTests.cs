using System.Security.Cryptography;
using System.Text;
using ChatSurvey.Dispatcher.Database;

namespace ChatSurvey.Dispatcher.Tests.Database;

/// <summary>
/// A shipped migration has run on databases in the field, which will never run it again: editing it changes nothing
/// there and makes new databases differ from old ones. Each shipped script's content is pinned here.
/// </summary>
public sealed class MigrationChecksumTests
{
    /// <summary>
    /// SHA-256 of each shipped script (UTF-8, LF line ends). Add a new script here once it is final, deliberately:
    /// from then on it is shipped and must never change.
    /// </summary>
    private static readonly Dictionary<string, string> Shipped = new(StringComparer.Ordinal)
    {
        ["0001_initial_schema.sql"] = "ec508bbd2c41054d705b2cba79b6a3ee56ef7cd353dd58b4dd24a755e98148de",
        ["0003_sms_outbox.sql"] = "bf2e2eb1cf8398779ffc6432fa6f01c1cbef31e04261e83f4edc1ab92f2acb88",
        ["0005_sending.sql"] = "e0c41809127f60f8460c50827c577515bf79bb54eb26e5a61ddc2e3ea90882f6",
        ["0006_waves.sql"] = "66fac5a99e41276dd0a16a36ff3ee4dd3487b076c4b4b7983ce9c7ae1fff2417",
        ["0007_directline.sql"] = "0c8b8f33aa81830785381f5561bdd90a6f7522902e8b8809275dd4f11cc12385",
        ["0008_score_snapshots.sql"] = "59a2d5dfd2c0dbe74cfbfe0aed7812c5ce217d908ca05fea018bc170dab64b98",
        ["0009_accounts.sql"] = "bcf1947d80cc0520cbbb065d7939635287eae4431a664584b33334dbbe9ff4b4",
        ["0010_account_lockout.sql"] = "573316a8aa20ac5fd2a2afea602c92c072472a61f1c77791dc9bf38759e127bf",
        ["0011_official_figures.sql"] = "ee5d530f502d4be11e7c23b4078e86572d23c688f7c060ac86334fe9a5bff041",
        ["0012_no_planning_status.sql"] = "f884cc67b4b53c4826096717fd193e4b8de6d3842753d1ebbf73d825d4d177ce",
        ["0013_wave_progress.sql"] = "897cdef8e6d22db22feacf6368b49bfbe2dd922990c757b2f5538b962332c54d",
        ["0014_published_statistics.sql"] = "9274c7f0b8024bebd80a6d7a5362b181d16923b456a73861a627adc2122217d7",
        ["0015_continuous_waves.sql"] = "59280f08ca2eaa2fbef0fff8ec09928bec90743173921bb99e8cfe0c13921eae",
        ["0016_integration_imports.sql"] = "603e6ec1ec415863522842256749a24c64cf8a08cf26e4bf951d9eaee22124b9",
        ["0018_volunteers.sql"] = "84944e6d2ccada39eb824a8205718b297bc2e5e47644d0681382d36b28e30b59",
        ["0019_durable_inbound.sql"] = "3197c0c178dce23e4110006e86bb4c7b96102249f9a4449bfd930d2752e6b9ab",
        ["0021_invitations_by_agency.sql"] = "eb2eb8e1ce68a39b8b92105abd08a9110891a9453cdf5e8ba093428df608260a",
    };

    [Fact]
    public void Migrations_Should_MatchTheirPinnedChecksums_When_Built()
    {
        var scripts = DatabaseMigrator.ScriptNames().ToDictionary(
            name => name[DatabaseMigrator.ScriptNamePrefix.Length..], Sha256Of, StringComparer.Ordinal);
        var problems = new List<string>();

        foreach (var (file, pinned) in Shipped)
        {
            if (!scripts.TryGetValue(file, out var actual))
                problems.Add($"{file} shipped but is gone. Never delete or rename a shipped migration: restore it.");
            else if (actual != pinned)
                problems.Add($"{file} was edited after it shipped (pinned SHA-256 {pinned}, now {actual}). "
                    + "Never edit a shipped migration, add a new one: revert this edit and put the change in a new script "
                    + "with the next number.");
        }

        foreach (var (file, actual) in scripts.Where(s => !Shipped.ContainsKey(s.Key)).OrderBy(s => s.Key, StringComparer.Ordinal))
        {
            problems.Add($"{file} is not pinned. Once it is final, pin it by adding "
                + $"[\"{file}\"] = \"{actual}\", to {nameof(MigrationChecksumTests)}.{nameof(Shipped)}; "
                + "from then on it is shipped and must never be edited.");
        }

        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    [Fact]
    public void Migrations_Should_AllBeEmbedded_When_SourceTreeHoldsScripts()
    {
        // A script left in another folder (the scripts once lived in src/Domain/Storage/Migrations) would never run.
        var root = RepositoryRoot();
        var folder = Path.Combine(root, "src", "Dispatcher", "Database", "Migrations");
        var strays = Directory.EnumerateFiles(Path.Combine(root, "src"), "*.sql", SearchOption.AllDirectories)
            .Where(path => !path.Split(Path.DirectorySeparatorChar).Intersect(["bin", "obj", "node_modules"]).Any())
            .Where(path => Path.GetDirectoryName(path) != folder)
            .Select(path => Path.GetRelativePath(root, path))
            .ToList();
        var onDisk = Directory.EnumerateFiles(folder, "*.sql").Select(Path.GetFileName).Order(StringComparer.Ordinal);
        var embedded = DatabaseMigrator.ScriptNames().Select(name => name[DatabaseMigrator.ScriptNamePrefix.Length..]);

        Assert.True(strays.Count == 0,
            $"Migration scripts outside src/Dispatcher/Database/Migrations never run; move them there: {string.Join(", ", strays)}");
        Assert.Equal(onDisk, embedded);
    }

    private static string Sha256Of(string resourceName)
    {
        using var stream = typeof(DatabaseMigrator).Assembly.GetManifestResourceStream(resourceName)
            ?? throw new InvalidOperationException($"No embedded resource {resourceName}.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        // LF line ends whatever the checkout did (core.autocrlf), so the pin is the script's text, not the platform's.
        var text = reader.ReadToEnd().Replace("\r\n", "\n", StringComparison.Ordinal);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Directory.Packages.props")))
                return dir.FullName;
        }

        throw new InvalidOperationException($"No repository root (Directory.Packages.props) above {AppContext.BaseDirectory}.");
    }
}
