/* Prints one line and exits with the code given as its first argument. */
#include "mica/mica.h"

int main(int argc, char **argv)
{
    printf("hello from %s\n", mica_start->name);
    return argc > 1 ? atoi(argv[1]) : 0;
}
