using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace StreamHub.StreamKeys.Migrations;

/// <summary>Per-stream HLS container and low-latency switch; null follows the server's setting.</summary>
[DbContext(typeof(StreamKeyDbContext))]
[Migration("20261204000000_StreamHlsSettings")]
public sealed class StreamHlsSettings : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.AddColumn<string>(name: "hls_container", table: "streams", maxLength: 8, nullable: true);
        migrationBuilder.AddColumn<bool>(name: "hls_low_latency", table: "streams", nullable: true);
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropColumn(name: "hls_low_latency", table: "streams");
        migrationBuilder.DropColumn(name: "hls_container", table: "streams");
    }
}
