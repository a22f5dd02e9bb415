// Running the extension's own commands from its other parts (alerts, panels, tree items, the
// status bar) by name, with the arguments protocol/commands.ts gives that command, so that a
// caller cannot pass what the handler does not take.
import * as vscode from 'vscode';
import { type CommandArguments, type CommandName, commands } from '../protocol/commands.js';

/** Each command's arguments, with VS Code's URI class (the handlers in commands.ts take these). */
export type CommandArgs<K extends CommandName> = CommandArguments<vscode.Uri>[K];

export function runCommand<K extends CommandName>(name: K, ...args: CommandArgs<K>): Thenable<unknown> {
  return vscode.commands.executeCommand(commands[name], ...args);
}

/** A vscode.Command (tree items, status bar items) that runs `name` with these arguments. */
export function commandOf<K extends CommandName>(name: K, title: string, ...args: CommandArgs<K>): vscode.Command {
  return { command: commands[name], title, arguments: args };
}
