using System.Text.Json;
using System.Text.Json.Serialization;

namespace StreamHub.Cluster;

/// <summary>How cluster notices are written on the wire (camelCase, enums by name).</summary>
internal static class ClusterJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };
}
