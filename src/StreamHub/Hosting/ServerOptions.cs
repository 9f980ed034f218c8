using System.ComponentModel.DataAnnotations;

namespace StreamHub.Hosting;

/// <summary>Process-wide settings, bound from the <c>StreamHub</c> section.</summary>
public sealed class ServerOptions
{
    public const string Section = "StreamHub";

    /// <summary>Where the database, the generated admin key and the generated certificate live. Relative paths are
    /// resolved against the working directory.</summary>
    [Required(AllowEmptyStrings = false)]
    public string DataDirectory { get; set; } = "./data";

    /// <summary>The address every listener binds to: <c>0.0.0.0</c> (all IPv4), <c>::</c> (all IPv6 and IPv4), or one
    /// address such as <c>127.0.0.1</c>.</summary>
    [Required(AllowEmptyStrings = false)]
    public string BindAddress { get; set; } = "0.0.0.0";

    public string ResolveDataDirectory() => Path.GetFullPath(DataDirectory);
}
