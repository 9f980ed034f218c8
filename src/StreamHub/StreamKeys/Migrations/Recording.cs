using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace StreamHub.StreamKeys.Migrations;

/// <summary>Per-stream recording overrides: whether the stream is recorded and its recordings' size limit (null: the
/// server-wide settings).</summary>
[DbContext(typeof(StreamKeyDbContext))]
[Migration("20261202060000_Recording")]
public sealed class Recording : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.AddColumn<bool>(name: "recording_enabled", table: "streams", nullable: true);
        migrationBuilder.AddColumn<long>(name: "recording_max_megabytes", table: "streams", nullable: true);
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropColumn(name: "recording_max_megabytes", table: "streams");
        migrationBuilder.DropColumn(name: "recording_enabled", table: "streams");
    }
}
