// Running the extension's own commands from its other parts (alerts, panels, tree items, the
// status bar) by name, with the arguments protocol/commands.ts gives that command, so that a
// caller cannot pass what the handler does not take.
import * as vscode from 'vscode';
import { type CommandName, commands } from '../protocol/commands.js';
import type { CommandArgs, CommandResult } from './commands.js';

export function runCommand<K extends CommandName>(name: K, ...args: CommandArgs<K>): Thenable<CommandResult<K> | undefined> {
  return vscode.commands.executeCommand<CommandResult<K> | undefined>(commands[name], ...args);
}

/** A vscode.Command (tree items, status bar items) that runs `name` with these arguments. */
export function commandOf<K extends CommandName>(name: K, title: string, ...args: CommandArgs<K>): vscode.Command {
  return { command: commands[name], title, arguments: args };
}
