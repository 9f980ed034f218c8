using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace StreamHub.StreamKeys.Migrations;

/// <summary>Per-stream publisher networks.</summary>
[DbContext(typeof(StreamKeyDbContext))]
[Migration("20261124010000_AllowedPublishers")]
public sealed class AllowedPublishers : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder) =>
        migrationBuilder.AddColumn<string>(name: "allowed_publishers", table: "streams", maxLength: 2048, nullable: true);

    protected override void Down(MigrationBuilder migrationBuilder) =>
        migrationBuilder.DropColumn(name: "allowed_publishers", table: "streams");
}
