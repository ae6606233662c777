package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
)

// completionAbout is the text of the completion command's usage.
const completionAbout = `Prints a completion script for the shell, made from the commands' flags:
  bash: source <(mediaupload completion bash)     (or save it in ~/.local/share/bash-completion/completions/mediaupload)
  zsh:  source <(mediaupload completion zsh)      (after compinit; or save it as _mediaupload on $fpath)
  fish: mediaupload completion fish | source      (or save it in ~/.config/fish/completions/mediaupload.fish)`

// setupCompletion is the completion command.
func setupCompletion(_ *flag.FlagSet, sio stdio) func(context.Context, []string) error {
	return func(_ context.Context, args []string) error {
		if len(args) != 1 {
			return usagef("mediaupload: completion takes one SHELL: bash, zsh or fish; run 'mediaupload help completion'")
		}
		write, ok := map[string]func(io.Writer, []compCommand){"bash": bashCompletion, "zsh": zshCompletion, "fish": fishCompletion}[args[0]]
		if !ok {
			return usagef("mediaupload: completion: unknown shell %q: use bash, zsh or fish", args[0])
		}
		write(sio.stdout, completions(sio))
		return nil
	}
}

// compCommand is what completion knows of a command.
type compCommand struct {
	name, summary string
	flags         []compFlag
	files         bool     // its argument is a file
	words         []string // or one of these words
}

// compFlag is a visible flag: its name, its placeholder ("" for a bool)
// and a short description.
type compFlag struct{ name, arg, desc string }

// completions reads the commands and their flag sets, so that the scripts
// cannot fall behind them.
func completions(sio stdio) []compCommand {
	var names []string
	for _, c := range commands() {
		names = append(names, c.name)
	}
	var out []compCommand
	for _, c := range commands() {
		cc := compCommand{name: c.name, summary: c.summary, files: c.name == "upload" || c.name == "check"}
		switch c.name {
		case "help":
			cc.words = names
		case "completion":
			cc.words = []string{"bash", "zsh", "fish"}
		}
		fs, _ := newFlagSet(c, sio)
		fs.VisitAll(func(f *flag.Flag) {
			if f.Usage == "" {
				return // a hidden alias
			}
			arg, usage := flag.UnquoteUsage(f)
			cc.flags = append(cc.flags, compFlag{f.Name, arg, shortDesc(usage)})
		})
		out = append(out, cc)
	}
	return out
}

// shortDesc is a usage cut to its first clause, without the characters
// the shells' quoting and zsh's specs give a meaning.
func shortDesc(usage string) string {
	if i := strings.IndexAny(usage, "(;:"); i > 0 {
		usage = usage[:i]
	}
	usage = strings.Map(func(r rune) rune {
		if strings.ContainsRune(`'"[]\$`+"`", r) {
			return -1
		}
		return r
	}, usage)
	return strings.TrimSpace(usage)
}

func commandNames(cmds []compCommand) string {
	var names []string
	for _, c := range cmds {
		names = append(names, c.name)
	}
	return strings.Join(names, " ")
}

func bashCompletion(w io.Writer, cmds []compCommand) {
	fmt.Fprintf(w, `# bash completion for mediaupload: source <(mediaupload completion bash)
_mediaupload() {
	local cur=${COMP_WORDS[COMP_CWORD]} flags="" words=""
	if [[ $COMP_CWORD -eq 1 ]]; then
		COMPREPLY=($(compgen -W "%s --help --version" -- "$cur"))
		return
	fi
	case ${COMP_WORDS[1]} in
`, commandNames(cmds))
	for _, c := range cmds {
		var flags []string
		for _, f := range c.flags {
			flags = append(flags, "--"+f.name)
		}
		fmt.Fprintf(w, "\t%s) flags=%q words=%q ;;\n", c.name, strings.Join(flags, " "), strings.Join(c.words, " "))
	}
	fmt.Fprint(w, `	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$flags --help" -- "$cur"))
	elif [[ -n $words ]]; then
		COMPREPLY=($(compgen -W "$words" -- "$cur"))
	fi
}
complete -o default -F _mediaupload mediaupload
`)
}

func zshCompletion(w io.Writer, cmds []compCommand) {
	fmt.Fprintf(w, `#compdef mediaupload
# zsh completion for mediaupload: source <(mediaupload completion zsh)
_mediaupload() {
	if (( CURRENT == 2 )); then
		compadd -- %s --help --version
		return
	fi
	local -a specs
	case $words[2] in
`, commandNames(cmds))
	for _, c := range cmds {
		var specs []string
		for _, f := range c.flags {
			spec := "'--" + f.name + "[" + f.desc + "]"
			if f.arg != "" {
				spec += ":" + f.arg + ":"
				if strings.HasSuffix(f.arg, "FILE") || f.arg == "PATH" {
					spec += "_files"
				}
			}
			specs = append(specs, spec+"'")
		}
		switch {
		case c.files:
			specs = append(specs, "'*:file:_files'")
		case len(c.words) > 0:
			specs = append(specs, "'1:"+c.name+":("+strings.Join(c.words, " ")+")'")
		}
		fmt.Fprintf(w, "\t%s) specs=(%s) ;;\n", c.name, strings.Join(specs, " "))
	}
	fmt.Fprint(w, `	esac
	shift words
	(( CURRENT-- ))
	_arguments $specs
}
compdef _mediaupload mediaupload
`)
}

func fishCompletion(w io.Writer, cmds []compCommand) {
	fmt.Fprint(w, "# fish completion for mediaupload: mediaupload completion fish | source\ncomplete -c mediaupload -f\n")
	for _, c := range cmds {
		fmt.Fprintf(w, "complete -c mediaupload -n __fish_use_subcommand -a %s -d '%s'\n", c.name, shortDesc(c.summary))
	}
	for _, c := range cmds {
		cond := "-n '__fish_seen_subcommand_from " + c.name + "'"
		for _, f := range c.flags {
			arg := ""
			if f.arg != "" {
				arg = " -r"
			}
			fmt.Fprintf(w, "complete -c mediaupload %s -l %s%s -d '%s'\n", cond, f.name, arg, f.desc)
		}
		switch {
		case c.files:
			fmt.Fprintf(w, "complete -c mediaupload %s -F\n", cond)
		case len(c.words) > 0:
			fmt.Fprintf(w, "complete -c mediaupload %s -a '%s'\n", cond, strings.Join(c.words, " "))
		}
	}
}
