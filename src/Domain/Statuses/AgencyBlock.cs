namespace ChatSurvey.Domain.Statuses;

/// <summary>
/// <c>agencies.kind</c>: what an agency is. Since 1 July 2025 Hai Phong has no districts; <see cref="District"/> stays for
/// agencies kept from before (retired, still in old waves).
/// </summary>
public static class AgencyKind
{
    /// <summary>The city's People's Committee (Ủy ban nhân dân thành phố).</summary>
    public const string City = "city";
    /// <summary>A department or other city-level agency (sở, ban, ngành).</summary>
    public const string Department = "department";
    /// <summary>An abolished district (quận, huyện), kept for history.</summary>
    public const string District = "district";
    /// <summary>A ward (phường).</summary>
    public const string Ward = "ward";
    /// <summary>A commune (xã).</summary>
    public const string Commune = "commune";
    /// <summary>A special zone (đặc khu).</summary>
    public const string SpecialZone = "special_zone";
    /// <summary>A central agency's local branch (tax, social insurance, police …).</summary>
    public const string Central = "central";

    /// <summary>In the order lists show siblings: the city, departments, wards, communes, special zones, central branches, then history.</summary>
    public static IReadOnlyList<string> All { get; } = [City, Department, Ward, Commune, SpecialZone, Central, District];
}

/// <summary>
/// <c>agencies.block</c>: the group an agency is reported and ranked in (docs/methodology.md#indices). It follows from
/// the kind, in one place: the generated column of migration 0014 (the city and its departments are the city-level block).
/// </summary>
public static class AgencyBlock
{
    /// <summary>City-level agencies: the city's People's Committee, sở, ban, ngành (khối sở, ban, ngành).</summary>
    public const string Department = "department";
    /// <summary>Wards (khối phường).</summary>
    public const string Ward = "ward";
    /// <summary>Communes (khối xã).</summary>
    public const string Commune = "commune";
    /// <summary>Special zones (khối đặc khu).</summary>
    public const string SpecialZone = "special_zone";
    /// <summary>Central agencies' local branches (khối cơ quan ngành dọc).</summary>
    public const string Central = "central";
    /// <summary>The abolished districts (before 1 July 2025).</summary>
    public const string District = "district";

    /// <summary>In reporting order.</summary>
    public static IReadOnlyList<string> All { get; } = [Department, Ward, Commune, SpecialZone, Central, District];

    /// <summary>The block's Vietnamese name, as pages and exports show it.</summary>
    public static string Name(string block) => block switch
    {
        Department => "Sở, ban, ngành",
        Ward => "Phường",
        Commune => "Xã",
        SpecialZone => "Đặc khu",
        Central => "Cơ quan ngành dọc",
        District => "Quận, huyện (trước 01/7/2025)",
        _ => block,
    };
}
